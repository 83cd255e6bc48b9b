# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError


class DealerAccessError(UserError):
    "A portal session whose account works for no active dealer"


class PortalAccountError(UserError):
    "A dealer admin's change to its portal users or addresses is refused"


class UploadError(UserError):
    "A file uploaded from the portal is refused"


class ChatError(UserError):
    "A message posted from the portal is refused"
