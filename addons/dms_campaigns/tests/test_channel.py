# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.


class ChannelTestMixin:
    "Tests of the module's channel part (run by DmsCampaignsTestCase)"
