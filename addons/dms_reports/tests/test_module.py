# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from dms_dealer.tests.tools import TranslationTestMixin
from trytond.tests.test_tryton import ModuleTestCase

from .test_planning import PlanningTestMixin
from .test_reporting import ReportingTestMixin


class DmsReportsTestCase(
        ReportingTestMixin, PlanningTestMixin, TranslationTestMixin, ModuleTestCase):
    """Test dms_reports module (the access tables of all designs are held
    by dms_campaigns' tests, which see every module)"""
    module = 'dms_reports'


del ModuleTestCase
