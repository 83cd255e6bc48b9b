# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from . import routes  # noqa: F401 (registers the portal routes)
from . import fund_routes  # noqa: F401 (the fund and claim pages)
from . import channel_routes  # noqa: F401 (registers the channels' callback)
