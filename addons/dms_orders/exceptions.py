# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError


class IntakeError(UserError):
    "A batch of orders that cannot be read at all"


class StageError(UserError):
    "A stage move or a date the order's fulfilment refuses"
