# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.exceptions import UserError, UserWarning


class CampaignError(UserError):
    "A campaign that cannot be saved or move on"


class CampaignOverlapWarning(UserWarning):
    "The offer of a campaign meets another one's"


class ParticipationError(UserError):
    "A participation that cannot be saved or move on"


class ChannelError(UserError):
    "A channel that cannot be saved"
