"""Sharing against the emulator on loopback: invitations by user and QR code, roles refused with their codes."""

from __future__ import annotations

import pytest
from support import MakeSession

import gizwits_async as gizwits
from gizwits_async.emulator import Emulator, FakeClock

pytestmark = pytest.mark.parametrize("devices", [3])


async def signed_in(make_session: MakeSession, emulator: Emulator[FakeClock], name: str) -> gizwits.Session:
    phone = "+86" + "".join(str(ord(c)) for c in name)
    emulator.state.add_user(name, f"{name}-password", email=f"{name}@example.com", phone=phone)
    session = await make_session(login=False)
    await session.login(name, f"{name}-password")
    return session


async def test_share_accept_then_cancel_revokes(
    session: gizwits.Session, make_session: MakeSession, emulator: Emulator[FakeClock], dids: list[str]
) -> None:
    alice = await signed_in(make_session, emulator, "alice")
    sent = await session.share(dids[0], username="alice", duration=60)
    assert sent.type == "user" and sent.did == dids[0] and isinstance(sent.id, int) and sent.qr_content is None

    received = await alice.sharings(as_owner=False)
    assert [s.id for s in received] == [sent.id]
    assert received[0].status is gizwits.SharingStatus.UNREAD and received[0].username == "d***o"
    assert received[0].expired_at is not None
    assert (received[0].expired_at - received[0].created_at).total_seconds() == 3600

    await alice.accept_sharing(sent.id)
    assert [d.role for d in await alice.bindings() if d.did == dids[0]] == ["guest"]
    assert [d.role for d in await session.bindings() if d.did == dids[0]] == ["owner"]
    mine = await session.sharings(status=gizwits.SharingStatus.ACCEPTED, did=dids[0])
    assert [(s.id, s.uid, s.username) for s in mine] == [(sent.id, alice.token.uid, "a***e")]  # type: ignore[union-attr]

    await session.cancel_sharing(sent.id)
    assert dids[0] not in [d.did for d in await alice.bindings()]
    assert (await session.sharings())[0].status is gizwits.SharingStatus.CANCELLED


@pytest.mark.parametrize("how", ["uid", "email", "phone"])
async def test_share_by_uid_email_or_phone(
    session: gizwits.Session, make_session: MakeSession, emulator: Emulator[FakeClock], dids: list[str], how: str
) -> None:
    bob = await signed_in(make_session, emulator, "bob")
    user = emulator.state.user("bob")
    await session.share(dids[1], **{how: getattr(user, how)})
    [invitation] = await bob.sharings(as_owner=False)
    await bob.decline_sharing(invitation.id)  # type: ignore[arg-type]
    assert (await bob.sharings(as_owner=False))[0].status is gizwits.SharingStatus.REFUSED
    assert dids[1] not in user.bindings


async def test_qr_invitation_look_up_and_accept(
    session: gizwits.Session, make_session: MakeSession, emulator: Emulator[FakeClock], dids: list[str]
) -> None:
    carol = await signed_in(make_session, emulator, "carol")
    qr = await session.share_qr(dids[2])
    assert qr.type == "qr" and qr.id is None and qr.qr_content and qr.qr_content.startswith("type=share&code=")
    offer = await carol.qr_sharing(qr.qr_content)
    assert offer.owner == "d***o" and offer.product_name == "Demo Device"
    assert offer.expired_at is not None
    with pytest.raises(gizwits.PermissionDeniedError) as raised:
        await session.qr_sharing(qr.code)  # type: ignore[arg-type]
    assert raised.value.code == gizwits.ErrorCode.ONLY_GUEST_CAN_CHECK_QRCODE
    await carol.accept_qr_sharing(qr.code)  # type: ignore[arg-type]
    assert dids[2] in emulator.state.user("carol").bindings


async def test_alias_and_ownership_transfer(
    session: gizwits.Session, make_session: MakeSession, emulator: Emulator[FakeClock], dids: list[str]
) -> None:
    dave = await signed_in(make_session, emulator, "dave")
    sent = await session.share(dids[0], username="dave")
    await dave.accept_sharing(sent.id)  # type: ignore[arg-type]
    await session.set_sharing_alias(sent.id, "Dave & co")  # type: ignore[arg-type]
    await dave.set_sharing_alias(sent.id, "Landlord")  # type: ignore[arg-type]
    assert (await session.sharings())[0].user_alias == "Dave & co"
    assert (await dave.sharings(as_owner=False))[0].user_alias == "Landlord"

    await session.transfer_ownership(dids[0], dave.token.uid)  # type: ignore[union-attr]
    assert emulator.state.sharing.role(dave.token.uid, dids[0]) == "owner"  # type: ignore[union-attr]
    with pytest.raises(gizwits.PermissionDeniedError) as raised:  # demo is now a guest: it cannot share
        await session.share(dids[0], username="dave")
    assert raised.value.code == gizwits.ErrorCode.ONLY_OWNER_CAN_SHARE


async def test_a_later_binder_is_a_normal_user_who_cannot_share(
    make_session: MakeSession, emulator: Emulator[FakeClock], dids: list[str]
) -> None:
    lena = await signed_in(make_session, emulator, "lena")
    emulator.state.bind("lena", dids[1])
    assert [d.role for d in await lena.bindings()] == ["normal"]
    with pytest.raises(gizwits.PermissionDeniedError) as raised:
        await lena.share_qr(dids[1])
    assert raised.value.code == gizwits.ErrorCode.ONLY_OWNER_CAN_SHARE


async def test_role_refusals_carry_their_codes(
    session: gizwits.Session, make_session: MakeSession, emulator: Emulator[FakeClock], dids: list[str]
) -> None:
    erin = await signed_in(make_session, emulator, "erin")
    frank = await signed_in(make_session, emulator, "frank")
    sent = await session.share(dids[0], username="erin")
    assert sent.id is not None
    await erin.accept_sharing(sent.id)

    refusals = [
        (erin.share(dids[0], username="frank"), gizwits.ErrorCode.ONLY_OWNER_CAN_SHARE),  # a guest cannot share
        (erin.cancel_sharing(sent.id), gizwits.ErrorCode.ONLY_OWNER_CAN_OPERATE),
        (erin.transfer_ownership(dids[0], frank.token.uid), gizwits.ErrorCode.ONLY_OWNER_CAN_OPERATE),  # type: ignore[union-attr]
        (frank.set_sharing_alias(sent.id, "x"), gizwits.ErrorCode.ONLY_SELF_CAN_MODIFY_ALIAS),
        (session.accept_sharing(sent.id), gizwits.ErrorCode.ONLY_GUEST_CAN_CHECK_QRCODE),  # the owner is no guest
        (session.transfer_ownership(dids[0], frank.token.uid), gizwits.ErrorCode.ONLY_GUEST_CAN_CHECK_QRCODE),  # type: ignore[union-attr]
        (erin.remove_guest(dids[0], erin.token.uid), gizwits.ErrorCode.ONLY_OWNER_CAN_OPERATE),  # type: ignore[union-attr]
        (session.remove_guest(dids[0], session.token.uid), gizwits.ErrorCode.OWNER_CANNOT_UNBIND_SELF),  # type: ignore[union-attr]
    ]
    for attempt, code in refusals:
        with pytest.raises(gizwits.PermissionDeniedError) as raised:
            await attempt
        assert raised.value.code == code and raised.value.status == 400


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ("self", gizwits.ErrorCode.CANNOT_SHARE_TO_SELF),
        ("nobody", gizwits.ErrorCode.NOT_FOUND_GUEST),
        ("twice", gizwits.ErrorCode.SHARING_IS_WAITING_FOR_ACCEPT),
        ("bound", gizwits.ErrorCode.GUEST_ALREADY_BOUND),
    ],
)
async def test_share_refusals_are_api_errors_with_their_code(
    session: gizwits.Session, make_session: MakeSession, emulator: Emulator[FakeClock], dids: list[str],
    setup: str, code: gizwits.ErrorCode,
) -> None:
    await signed_in(make_session, emulator, "gina")
    guest = {"self": "demo", "nobody": "nobody"}.get(setup, "gina")
    if setup == "twice":
        await session.share(dids[0], username="gina")
    if setup == "bound":
        emulator.state.bind("gina", dids[0])
    with pytest.raises(gizwits.APIError) as raised:
        await session.share(dids[0], username=guest)
    assert raised.value.code == code
    assert not isinstance(raised.value, gizwits.PermissionDeniedError)


async def test_expired_or_answered_invitation_cannot_be_accepted(
    session: gizwits.Session, make_session: MakeSession, emulator: Emulator[FakeClock], dids: list[str]
) -> None:
    hank = await signed_in(make_session, emulator, "hank")
    late = await session.share(dids[0], username="hank", duration=5)
    emulator.clock.advance(5 * 60)
    with pytest.raises(gizwits.APIError) as raised:
        await hank.accept_sharing(late.id)  # type: ignore[arg-type]
    assert raised.value.code == gizwits.ErrorCode.SHARING_IS_EXPIRED

    again = await session.share(dids[0], username="hank")
    await hank.decline_sharing(again.id)  # type: ignore[arg-type]
    with pytest.raises(gizwits.APIError) as raised:
        await hank.accept_sharing(again.id)  # type: ignore[arg-type]
    assert raised.value.code == gizwits.ErrorCode.SHARING_IS_COMPLETED

    third = await session.share(dids[0], username="hank")
    await session.unbind([dids[0]])  # the owner leaves: its invitations die with its ownership
    with pytest.raises(gizwits.APIError) as raised:
        await hank.accept_sharing(third.id)  # type: ignore[arg-type]
    assert raised.value.code == gizwits.ErrorCode.INVALID_SHARING_BECAUSE_UNBINDING


async def test_iter_sharings_pages_through_everything(
    session: gizwits.Session, make_session: MakeSession, emulator: Emulator[FakeClock], dids: list[str]
) -> None:
    for name in ("ivy", "jon", "kim"):
        await signed_in(make_session, emulator, name)
        await session.share(dids[0], username=name)
    found = [s.id async for s in session.iter_sharings(page_size=2)]
    assert len(found) == 3 and len(set(found)) == 3
    assert emulator.stats.requests["SH2"] == 2


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.share("did0000000000000000000"),
        lambda s: s.share("did0000000000000000000", uid="a", email="b"),
        lambda s: s.share("did0000000000000000000", username="a", duration=0),
        lambda s: s.share_qr("did0000000000000000000", duration=1441),
        lambda s: s.sharings(status=7),
        lambda s: s.accept_sharing("12"),
        lambda s: s.qr_sharing("type=share&code="),
        lambda s: s.set_sharing_alias(1, " "),
    ],
)
async def test_bad_input_is_refused_before_any_request(
    session: gizwits.Session, emulator: Emulator[FakeClock], call: object
) -> None:
    before = sum(emulator.stats.requests.values())
    with pytest.raises(gizwits.ValidationError):
        await call(session)  # type: ignore[operator]
    assert sum(emulator.stats.requests.values()) == before
