# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.


class CampaignTestMixin:
    "Tests of the module's campaign part (run by DmsCampaignsTestCase)"
