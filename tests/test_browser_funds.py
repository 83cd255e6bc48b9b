# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A dealer claims marketing money with proof in a real browser, on the
demo database: the admin of D0005 opens the claims of the campaign it took
part in, is refused a claim over what it may claim, sends one with an
invoice photo and sees it with its file; the factory approves it (over
XML-RPC) and the dealer's marketing fund shows the claim and the new
balance.  Another dealer's claim is not found.  Every step is checked
against the database over XML-RPC.

The test uses the demo's closed campaign "Spring washer dryer week"
(tools/demo/campaigns.py), where D0005's plan was approved; its claim
deadline is moved to the coming days over XML-RPC (the demo's claims would
be late).
"""
import datetime as dt
import os
import re
import uuid
import xmlrpc.client
from decimal import Decimal
from urllib.parse import urljoin

from tests import browser
from tests.test_browser_communication import png

ADMIN = 'd0005.admin'
TOKEN = uuid.uuid4().hex[:8].upper()
CAMPAIGN = "Spring washer dryer week"
PHOTO_NAME = 'leaflet-invoice.png'


def amount(value):
    "The Decimal of a number Tryton sends over XML-RPC"
    if isinstance(value, dict):
        value = value['decimal']
    return Decimal(str(value))


def rpc_date(date):
    return {'__class__': 'date', 'year': date.year, 'month': date.month,
        'day': date.day}


def binary(value):
    return value.data if isinstance(value, xmlrpc.client.Binary) else value


@browser.requires_chromium
class FundsBrowserTestCase(browser.BrowserTestCase):
    "Dealer portal: a claim with proof, its approval and the fund's balance"

    folder_prefix = 'dms-funds-'

    @classmethod
    def set_up_data(cls):
        cls.admin = cls.admin_rpc()
        cls.read_data()

    @classmethod
    def read_data(cls):
        "Read D0005, its participation and open the campaign's claims"
        admin = cls.admin
        company, = admin.company.company.search([], 0, None, None, {})
        cls.context = ctx = {'company': company}
        cls.dealer, = admin.dms.dealer.search_read(
            [('code', '=', 'D0005')], 0, None, None, ['code'], ctx)
        cls.campaign, = admin.dms.campaign.search_read(
            [('name', '=', CAMPAIGN)], 0, None, None, ['name', 'state'],
            ctx)
        cls.participation, = admin.dms.campaign.participation.search_read([
                ('campaign', '=', cls.campaign['id']),
                ('dealer', '=', cls.dealer['id']),
                ], 0, None, None, ['state', 'approved_budget'], ctx)
        assert cls.participation['state'] == 'approved', cls.participation
        admin.dms.campaign.write([cls.campaign['id']], {
                'claim_deadline': rpc_date(
                    dt.date.today() + dt.timedelta(days=10)),
                }, ctx)
        cls.photo = os.path.join(cls.folder, PHOTO_NAME)
        with open(cls.photo, 'wb') as fp:
            fp.write(png(colour=(40, 160, 90)))
        # The refused claim answers 400 and another dealer's claim 404:
        # their pages are checked
        cls.optional_urls = re.compile(
            r'/favicon\.ico$|/portal/campaigns/%s/claims/new$'
            r'|/portal/claims/\d+$' % cls.campaign['id'])

    def setUp(self):
        self.page = self.new_page()
        self.errors_before = len(self.console_errors)

    def tearDown(self):
        self.page.context.close()

    def balance(self):
        dealer, = self.admin.dms.dealer.read([self.dealer['id']],
            ['marketing_fund_balance'], self.context)
        return amount(dealer['marketing_fund_balance'])

    def post(self, form, path):
        "Submit the form; return the response to its POST"
        page = self.page
        action = self.url(path)
        with page.expect_response(lambda r: r.url == action
                and r.request.method == 'POST') as response:
            page.locator('%s button[type=submit]' % form).click()
        page.wait_for_load_state()
        return response.value

    def test_claim_and_fund(self):
        "Claim refused then sent with proof, approved, in the fund"
        page = self.page
        claims = 'campaigns/%s/claims' % self.campaign['id']
        balance = self.balance()
        approved_budget = amount(self.participation['approved_budget'])
        self.assertGreater(approved_budget, 0)

        with self.step("sign in, the campaign's claims"):
            self.sign_in(ADMIN)
            page.goto(self.url(claims))
            self.assertEqual(page.locator('h1').inner_text().strip(),
                "Claims")
            page.locator('#new-claim').click()
            page.wait_for_url(self.url(claims + '/new'))

        description = "Leaflets for the demonstrations (%s)" % TOKEN
        with self.step("a claim over what may be claimed is refused"):
            page.fill('#amount', str(balance + 1))
            page.fill('#description', description)
            page.set_input_files('#file', self.photo)
            response = self.post('#claim-form', claims + '/new')
            self.assertEqual(response.status, 400)
            self.assertIn("at most", page.locator(
                    '#error-amount').inner_text())
            self.assertEqual(self.admin.dms.campaign.claim.search_count([
                        ('dealer', '=', self.dealer['id'])], self.context),
                0)

        with self.step("the claim with its proof is sent"):
            page.fill('#amount', '1234.50')
            page.set_input_files('#file', self.photo)
            response = self.post('#claim-form', claims + '/new')
            self.assertEqual(response.status, 303)
            page.wait_for_url(re.compile(r'.*/portal/claims/\d+$'))
            claim_id = int(page.url.rsplit('/', 1)[1])
            claim, = self.admin.dms.campaign.claim.read([claim_id],
                ['state', 'amount', 'description', 'dealer'], self.context)
            self.assertEqual(
                (claim['state'], amount(claim['amount']),
                    claim['description'], claim['dealer']),
                ('submitted', Decimal('1234.50'), description,
                    self.dealer['id']))
            self.assertEqual(page.locator('#claim-state').inner_text()
                .strip(), "Submitted")
            files = page.locator('#claim-files a')
            self.assertEqual(self.texts(files), [PHOTO_NAME])
            response = page.request.get(
                urljoin(page.url, files.first.get_attribute('href')))
            self.assertEqual(response.status, 200)
            with open(self.photo, 'rb') as fp:
                self.assertEqual(response.body(), fp.read())

        with self.step("the factory approves: the fund shows it"):
            self.admin.dms.campaign.claim.approve([claim_id], self.context)
            self.assertEqual(self.balance(), balance - Decimal('1234.50'))
            page.locator('#nav').get_by_role(
                'link', name="Marketing Fund", exact=True).click()
            page.wait_for_url(self.url('fund'))
            self.assertEqual(
                amount(re.sub(r'[^\d.-]', '',
                        page.locator('#fund-balance').inner_text())),
                self.balance())
            row = page.locator('#fund-lines tbody tr[data-kind="claim"]')
            self.assertEqual(row.count(), 1)
            self.assertRegex(row.inner_text(), r'1,?234\.50')
            self.save_screenshot('portal-marketing-fund.png')

        with self.step("another dealer does not find the claim"):
            other = self.new_page()
            self.sign_in('d0001.buyer', page=other)
            response = other.goto(self.url('claims/%s' % claim_id))
            self.assertEqual(response.status, 404)
            other.goto(self.url('fund'))
            self.assertNotIn(TOKEN, other.content())
        self.assertEqual(self.console_errors[self.errors_before:], [])
