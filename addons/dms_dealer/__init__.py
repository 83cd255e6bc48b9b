# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from . import (  # noqa: F401 (register the portal routes)
    account, communication_routes, routes)
