# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from dms_dealer.tests.tools import ClientViewTestMixin, TranslationTestMixin
from trytond.tests.test_tryton import ModuleTestCase

from .test_intake import IntakeTestMixin
from .test_tracking import TrackingTestMixin


class DmsOrdersTestCase(
        IntakeTestMixin, TrackingTestMixin,
        ClientViewTestMixin, TranslationTestMixin, ModuleTestCase):
    "Test dms_orders module"
    module = 'dms_orders'


del ModuleTestCase
