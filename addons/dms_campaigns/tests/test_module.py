# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from dms_dealer.tests.tools import TranslationTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class DmsCampaignsTestCase(TranslationTestMixin, ModuleTestCase):
    "Test dms_campaigns module"
    module = 'dms_campaigns'


del ModuleTestCase
