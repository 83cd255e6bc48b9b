# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from dms_dealer.tests.tools import ClientViewTestMixin, TranslationTestMixin
from dms_portal.tests.tools import PortalTranslationTestMixin
from dms_reports.tests.test_access import AccessMatrixTestMixin
from trytond.modules.company.tests import CompanyTestMixin
from trytond.tests.test_tryton import ModuleTestCase

from .test_campaign import CampaignTestMixin
from .test_campaign_price import CampaignPriceTestMixin
from .test_channel import ChannelTestMixin
from .test_fund import FundTestMixin


class DmsCampaignsTestCase(
        CampaignTestMixin, ChannelTestMixin, FundTestMixin,
        CampaignPriceTestMixin,
        AccessMatrixTestMixin, ClientViewTestMixin, TranslationTestMixin,
        PortalTranslationTestMixin, CompanyTestMixin, ModuleTestCase):
    """Test dms_campaigns module (it sees every other module: the access
    tables of all designs are held here)"""
    module = 'dms_campaigns'


del ModuleTestCase
