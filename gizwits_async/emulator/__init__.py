"""A stateful in-memory emulator of the Gizwits Open API, for tests, demos and benchmarks.

```python
from gizwits_async.emulator import Emulator, FakeClock
emu = Emulator(clock=FakeClock())
async with httpx.AsyncClient(transport=emu.transport(), base_url="http://emulator") as client: ...
async with emu.serve() as base_url: ...          # real HTTP on loopback
```
"""

from .clock import Clock, FakeClock, SystemClock
from .config import EmulatorConfig, SeedUser, load_users
from .core import Emulator, run_server
from .datapoints import Datapoint, Product, load_product
from .errors import ApiError
from .faults import Faults
from .state import Device, State, User
from .stats import Stats

__all__ = [
    "ApiError",
    "Clock",
    "Datapoint",
    "Device",
    "Emulator",
    "EmulatorConfig",
    "FakeClock",
    "Faults",
    "Product",
    "SeedUser",
    "State",
    "Stats",
    "SystemClock",
    "User",
    "load_product",
    "load_users",
    "run_server",
]
