# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from dms_dealer.tests.tools import (
    ClientViewTestMixin, TranslationTestMixin, create_dealer, create_tier)
from trytond.exceptions import UserError
from trytond.model.exceptions import ValidationError
from trytond.modules.company.tests import create_company, set_company
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class DmsPortalTestCase(
        ClientViewTestMixin, TranslationTestMixin, ModuleTestCase):
    "Test DMS Portal module"
    module = 'dms_portal'

    @with_transaction()
    def test_terminate_closes_accounts(self):
        "Test a terminated dealer's portal accounts are deactivated"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        WebUser = pool.get('web.user')
        company = create_company()
        with set_company(company):
            tier = create_tier(company, 'GOLD')
            dealer = create_dealer(company, 'D1', tier=tier)
            user, = WebUser.create([{
                        'email': 'buyer@d1.example.com',
                        'dealer': dealer.id,
                        }])
            Dealer.activate([dealer])
            self.assertTrue(user.active)

            Dealer.terminate([dealer])
            self.assertFalse(WebUser(user.id).active)

    @with_transaction()
    def test_web_user_dealer(self):
        "Test portal accounts linked to a dealer"
        pool = Pool()
        WebUser = pool.get('web.user')
        company = create_company()
        with set_company(company):
            dealer = create_dealer(company, 'D1')
            user, = WebUser.create([{
                        'email': 'admin@d1.example.com',
                        'dealer': dealer.id,
                        }])
            self.assertEqual(user.party, dealer.party)
            self.assertEqual(user.dealer_role, 'buyer')
            self.assertEqual(dealer.web_users, (user,))
            with self.assertRaisesRegex(
                    ValidationError, 'required for field "Dealer Role"'):
                WebUser.write([user], {'dealer_role': None})

    @with_transaction()
    def test_current_dealer(self):
        "Test the dealer of the current portal session or user"
        pool = Pool()
        Dealer = pool.get('dms.dealer')
        User = pool.get('res.user')
        WebUser = pool.get('web.user')
        company = create_company()
        with set_company(company):
            tier = create_tier(company, 'GOLD')
            dealer = create_dealer(company, 'D1', tier=tier)
            Dealer.activate([dealer])
            web_user, orphan = WebUser.create([{
                        'email': 'buyer@d1.example.com',
                        'dealer': dealer.id,
                        }, {
                        'email': 'nobody@example.com',
                        }])
            user, = User.create([{
                        'login': 'd1', 'dealer': dealer.id}])

            self.assertIsNone(Dealer.current())
            # The portal runs as the system
            with Transaction().set_user(0), Transaction().set_context(
                    _dms_web_user=web_user.id):
                self.assertEqual(Dealer.current(), dealer)
            with Transaction().set_user(0), Transaction().set_context(
                    _dms_web_user=orphan.id):
                with self.assertRaisesRegex(UserError, "not linked"):
                    Dealer.current()
            with Transaction().set_user(user.id):
                self.assertEqual(Dealer.current(), dealer)
            # A user cannot pass for a web user (Tryton's REST API keeps
            # private context keys)
            with Transaction().set_user(user.id), Transaction().set_context(
                    _dms_web_user=orphan.id):
                self.assertEqual(Dealer.current(), dealer)
            other_user, = User.create([{'login': 'staff'}])
            with Transaction().set_user(other_user.id), \
                    Transaction().set_context(_dms_web_user=web_user.id):
                self.assertIsNone(Dealer.current())
            # Nor for the portal's user, whose keys name another dealer
            other = create_dealer(company, 'D2', tier=tier)
            with Transaction().set_user(user.id), Transaction().set_context(
                    _dms_portal_user=user.id, _dms_portal_dealer=other.id):
                self.assertFalse(User.dms_is_portal())
                self.assertEqual(User.get_dealer(), dealer.id)
                self.assertTrue(User.dms_check_domains())
            portal_user = User.dms_portal_user()
            with Transaction().set_user(portal_user), \
                    Transaction().set_context(
                        _dms_portal_user=portal_user,
                        _dms_portal_dealer=other.id):
                self.assertTrue(User.dms_is_portal())
                self.assertEqual(User.get_dealer(), other.id)

            # A terminated dealer's portal session is closed
            Dealer.terminate([dealer])
            WebUser.write([web_user], {'active': True})
            with Transaction().set_user(0), Transaction().set_context(
                    _dms_web_user=web_user.id):
                with self.assertRaises(UserError):
                    Dealer.current()

    @with_transaction()
    def test_bus_without_channel(self):
        "Test the bus of a database without LISTEN hears committed messages"
        from trytond.tests.test_tryton import DB_NAME

        from ..bus import Bus
        transaction = Transaction()
        if transaction.database.has_channel():
            self.skipTest("the database has LISTEN/NOTIFY: Tryton's own bus")
        Bus._dms_local_queue(DB_NAME)
        channel = 'chat:dms.test,1'

        def heard():
            return Bus._messages[DB_NAME].get_next({channel})[1]

        with transaction.new_transaction() as rolled_back:
            Bus.publish(channel, {'type': 'message', 'text': 'undone'})
            rolled_back.rollback()
        self.assertIsNone(heard())
        with transaction.new_transaction():
            Bus.publish(channel, {'type': 'message', 'text': 'kept'})
            # Not before the commit, as with NOTIFY
            self.assertIsNone(heard())
        self.assertEqual(heard()['text'], 'kept')


del ModuleTestCase
