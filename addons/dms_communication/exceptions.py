# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError


class BulletinError(UserError):
    "A bulletin cannot be published, changed or deleted"


class FeedbackError(UserError):
    "Market feedback that cannot be saved"
