# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"Helpers shared by the DMS tests (pool level, inside a transaction)"
import os
import re
from decimal import Decimal

import polib
from lxml import etree

from trytond import tools
from trytond.pool import Pool
from trytond.tests.test_tryton import with_transaction


def create_price_list(company, name, factor):
    pool = Pool()
    PriceList = pool.get('product.price_list')
    price_list, = PriceList.create([{
                'name': name,
                'company': company.id,
                'price': 'list_price',
                'lines': [('create', [{
                                'formula': 'unit_price * Decimal(%r)' % str(
                                    factor),
                                }])],
                }])
    return price_list


def create_tier(company, code, price_list=True, **values):
    pool = Pool()
    Tier = pool.get('dms.dealer.tier')
    if price_list is True:
        price_list = create_price_list(company, "%s prices" % code, '0.9')
    tier, = Tier.create([{
                'name': code.title(),
                'code': code,
                'price_list': price_list.id if price_list else None,
                'supply_priority': values.pop('supply_priority', 10),
                'marketing_fund_rate': Decimal('0.02'),
                **values,
                }])
    return tier


def create_dealer(company, code, tier=None, **values):
    pool = Pool()
    Dealer = pool.get('dms.dealer')
    Party = pool.get('party.party')
    party, = Party.create([{
                'name': "Dealer %s" % code,
                'addresses': [('create', [{'city': "City %s" % code}])],
                }])
    dealer, = Dealer.create([{
                'company': company.id,
                'party': party.id,
                'code': code,
                'tier': tier.id if tier else None,
                **values,
                }])
    return dealer


# The column widgets of the web client's lists (sao 8.0,
# Sao.View.TreeXMLViewParser.WIDGETS): there is none for datetime and
# timestamp fields, which are shown by a "date" and a "time" column; any
# other widget stops the list from opening
SAO_LIST_WIDGETS = {
    'binary', 'boolean', 'callto', 'char', 'date', 'dict', 'email', 'float',
    'image', 'integer', 'many2many', 'many2one', 'numeric', 'one2many',
    'one2one', 'progressbar', 'reference', 'selection', 'multiselection',
    'sip', 'text', 'time', 'timedelta', 'url',
    }


class ClientViewTestMixin:
    "Checks the module's views open in the web client"

    @with_transaction()
    def test_list_view_widgets(self):
        "Test every column of the module's lists has a widget of sao"
        pool = Pool()
        View = pool.get('ir.ui.view')
        checked = 0
        for view in View.search([('module', '=', self.module)]):
            if not view.model:
                continue
            root = view.inherit or view
            Model = pool.get(view.model)
            result = Model.fields_view_get(view_id=root.id)
            if result['type'] != 'tree':
                continue
            tree = etree.fromstring(result['arch'])
            for node in tree.iter('field'):
                name = node.get('name')
                widget = node.get('widget') or result['fields'][name]['type']
                with self.subTest(view=view.name, field=name):
                    self.assertIn(widget, SAO_LIST_WIDGETS)
                checked += 1
        self.assertTrue(checked)


class TranslationTestMixin:
    "Checks the module ships a complete zh_CN translation"
    languages = ['zh_CN']

    @with_transaction()
    def test_translations_complete(self):
        "Test every user-facing string of the module is translated"
        pool = Pool()
        Translation = pool.get('ir.translation')
        TranslationSet = pool.get('ir.translation.set', type='wizard')
        # Extract the view and report strings like the client's wizard does
        session_id, _, _ = TranslationSet.create()
        TranslationSet(session_id).transition_set_()
        source = Translation.translation_export('en', self.module)
        expected = {
            (e.msgctxt, e.msgid) for e in (
                polib.pofile(source.decode('utf-8')) if source else [])}
        directory = os.path.dirname(
            tools.file_open(os.path.join(self.module, 'tryton.cfg')).name)
        for lang in self.languages:
            with self.subTest(lang=lang):
                path = os.path.join(directory, 'locale', '%s.po' % lang)
                translated = {
                    (e.msgctxt, e.msgid) for e in polib.pofile(path)
                    if (e.msgstr or e.msgstr_plural) and not e.fuzzy}
                missing = sorted(expected - translated)
                if missing:
                    self.fail("%s: %d strings without %s translation "
                        "(run tools/translations.py update): %s" % (
                            self.module, len(missing), lang, missing[:10]))

    def test_override_translations_complete(self):
        """Test the core entries the module overrides are all translated,
        with the placeholders of their source"""
        directory = os.path.dirname(
            tools.file_open(os.path.join(self.module, 'tryton.cfg')).name)
        placeholder = re.compile(
            r'%\([a-z_]+\)[sdr]|%[sd]|\{[a-z_0-9]*\}|\$\{[^}]*\}')
        for lang in self.languages:
            path = os.path.join(directory, 'locale', 'override', '%s.po' % lang)
            if not os.path.exists(path):
                continue
            with self.subTest(lang=lang):
                entries = [e for e in polib.pofile(path) if not e.obsolete]
                self.assertTrue(entries)
                missing = [(e.msgctxt, e.msgid) for e in entries
                    if not e.msgstr or e.fuzzy]
                self.assertFalse(missing, "%d overrides without %s "
                    "translation: %s" % (len(missing), lang, missing[:10]))
                wrong = [(e.msgctxt, e.msgid) for e in entries
                    if sorted(placeholder.findall(e.msgid))
                    != sorted(placeholder.findall(e.msgstr))]
                self.assertFalse(wrong, "placeholders differ: %s" % wrong)


class LockRetrySetUpMixin:
    """RouteTestCase's class set-up with setUpDatabase started again with
    the locks it asks for (Tryton's chart of accounts locks tables)"""

    @classmethod
    def setUpClass(cls):
        from trytond.tests.test_tryton import DB_NAME
        from trytond.transaction import Transaction, TransactionError
        route_test_case = next(
            c for c in cls.__mro__ if c.__name__ == 'RouteTestCase')
        super(route_test_case, cls).setUpClass()
        extras = {}
        while True:
            with Transaction().start(DB_NAME, 1, **extras) as transaction:
                try:
                    cls.setUpDatabase()
                except TransactionError as exception:
                    transaction.rollback()
                    exception.fix(extras)
                    continue
            break
