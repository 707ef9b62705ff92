"""Conformance tests, one module per area of PROTOCOL.md and SCHEMAS.md."""
from . import test_vectors  # noqa: F401
from . import test_schema_offline  # noqa: F401
from . import test_framing  # noqa: F401
from . import test_lifecycle  # noqa: F401
from . import test_pubsub  # noqa: F401
from . import test_reqrep  # noqa: F401
from . import test_registry  # noqa: F401
from . import test_overflow  # noqa: F401
from . import test_security  # noqa: F401
