# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from dms_dealer.tests.tools import TranslationTestMixin
from trytond.tests.test_tryton import ModuleTestCase


class DmsReportsTestCase(TranslationTestMixin, ModuleTestCase):
    "Test dms_reports module"
    module = 'dms_reports'


del ModuleTestCase
