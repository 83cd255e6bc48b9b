# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError


class DealerValidationError(ValidationError):
    pass


class TierValidationError(ValidationError):
    pass


class DealerStateError(UserError):
    pass


class SearchDomainError(UserError):
    "A search whose domain or order is not valid"
