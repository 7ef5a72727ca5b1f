"""One module per group of ENDPOINTS.md; each is a mixin of `Session` built on `Endpoints._call`."""
