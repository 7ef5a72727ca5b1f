"""One module per group of endpoints (docs/endpoints.md); each is a mixin of `Session` built on `Endpoints._call`."""
