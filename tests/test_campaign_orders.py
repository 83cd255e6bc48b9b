# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""A campaign's price on a real server with the demo database: the portal's
catalogue, cart and order page show the price the checkout charges, the
intake over XML-RPC charges it too, only to the campaign's dealers and only
while it runs."""
import datetime as dt
import html
import re
from urllib.parse import urljoin

from tests.test_portal_isolation import PortalServerTestCase

PASSWORD = 'integration-secret'
OFFER = re.compile(
    r'<s>([^<]*)</s> <strong class="ok offer-price">([^<]*)</strong> '
    r'<span class="muted offer-name">([^<]*)</span>')


def rpc_date(date):
    "A date as Tryton's XML-RPC reads it"
    return {'__class__': 'date',
        'year': date.year, 'month': date.month, 'day': date.day}


class CampaignOrdersTestCase(PortalServerTestCase):

    @classmethod
    def setUpData(cls):
        admin = cls.admin
        admin.dms.configuration.write(
            [1], {'backorder_policy': 'accept'}, {})
        dealers = {d['code']: d['id'] for d in admin.dms.dealer.search_read(
                [('code', 'in', ['D0001', 'D0005'])], 0, None, None,
                ['code'], {})}
        # A product both dealers order, without offer (of the demo's
        # campaigns)
        codes = [{code for code, cell in re.findall(
                        r'<td data-label="Code">([^<]*)</td>.*?'
                        r'<td data-label="Your price" class="num">(.*?)</td>',
                        cls.client(login).get(
                            cls.base + '/catalogue').text(), re.S)
                    if 'offer-price' not in cell}
            for login in ['d0001.buyer', 'd0005.admin']]
        cls.code = sorted(codes[0] & codes[1])[0]
        product, = admin.product.product.search(
            [('code', '=', cls.code)], 0, None, None, {})
        today = dt.date.today()
        company, = admin.company.company.search([], 0, None, None, {})
        context = admin.res.user.get_preferences(True, {})
        cls.campaign, = admin.dms.campaign.create([{
                    'name': "Spring Offer",
                    'company': company,
                    'start_date': rpc_date(today - dt.timedelta(days=1)),
                    'end_date': rpc_date(today + dt.timedelta(days=30)),
                    'audience': 'dealers',
                    'dealers': [('add', [dealers['D0001']])],
                    'products': [('add', [product])],
                    'discount': {'__class__': 'Decimal', 'decimal': '0.1'},
                    'offer_scope': 'audience',
                    'budget': 0,
                    }], context)
        for button in ['propose', 'approve', 'run']:
            getattr(admin.dms.campaign, button)([cls.campaign], context)
        cls.context = context
        cls.server.create_user(
            'erp_campaign', PASSWORD, None, ['DMS Integration'])

    def price_cells(self, client):
        "The price cell of the product in the catalogue"
        page = client.get(self.base + '/catalogue?q=%s' % self.code).text()
        cell, = re.findall(
            r'<td data-label="Your price" class="num">(.*?)</td>', page)
        return cell

    def intake(self, reference, dealer):
        "The unit price of the line of an order sent to the intake"
        rpc = self.server.session_rpc('erp_campaign', PASSWORD)
        result, = rpc.model.dms.order.intake.submit([{
                    'dealer_code': dealer,
                    'external_reference': reference,
                    'lines': [{'product_code': self.code, 'quantity': 1}],
                    }], {})
        self.assertEqual(result['status'], 'accepted', result)
        line, = self.admin.sale.line.search_read(
            [('sale', '=', result['sale'])], 0, None, None,
            ['unit_price'], {})
        sale, = self.admin.sale.sale.read([result['sale']],
            ['marketing_campaign'], {})
        return line['unit_price'], sale['marketing_campaign']

    def test_campaign_price(self):
        """The catalogue, the cart and the order page show the campaign
        price that the checkout and the intake charge, to the campaign's
        dealer only and while it runs"""
        admin = self.admin
        campaign, = admin.dms.campaign.read(
            [self.campaign], ['marketing_campaign'], {})
        client = self.client('d0001.buyer')
        dealer_price, price, name = OFFER.fullmatch(
            self.price_cells(client)).groups()
        self.assertEqual(name, "Spring Offer")
        self.assertNotEqual(price, dealer_price)

        response = self.post(client, '/cart/add',
            product_code=self.code, quantity='1')
        self.assertEqual(response.status, 303, response.text())
        page = client.get(self.base + '/cart').text()
        row = re.search(r'<tr id="line-\d+".*?</tr>', page, re.S).group()
        self.assertEqual(OFFER.search(row).groups(),
            (dealer_price, price, "Spring Offer"))
        self.assertIn('id="cart-total">%s<' % price, page)

        response = self.post(client, '/cart/checkout',
            reference='CAMPAIGN-WEB-1')
        self.assertEqual(response.status, 303, response.text())
        location = urljoin(
            self.base + '/cart/checkout', response.headers['location'])
        sale_id = int(location.rsplit('/', 1)[1])
        page = client.get(location).text()
        self.assertRegex(page,
            r'data-label="Unit price" class="num">%s<' % re.escape(price))
        # The price shown is the price charged
        line, = admin.sale.line.search_read(
            [('sale', '=', sale_id)], 0, None, None, ['unit_price'], {})
        self.assertIn('%.2f' % line['unit_price'],
            html.unescape(price).replace(',', ''))
        sale, = admin.sale.sale.read(
            [sale_id], ['marketing_campaign', 'state'], {})
        self.assertEqual(sale['state'], 'quotation')
        self.assertEqual(
            sale['marketing_campaign'], campaign['marketing_campaign'])

        # The intake charges the same price, to D0001 only
        unit_price, marketing = self.intake('CAMPAIGN-RPC-1', 'D0001')
        self.assertEqual(unit_price, line['unit_price'])
        self.assertEqual(marketing, campaign['marketing_campaign'])
        unit_price, marketing = self.intake('CAMPAIGN-RPC-2', 'D0005')
        self.assertGreater(unit_price, line['unit_price'])
        self.assertIsNone(marketing)
        self.assertNotIn('offer-price', self.price_cells(
                self.client('d0005.admin')))

        # Closed: the dealer's price again
        admin.dms.campaign.close([self.campaign], self.context)
        self.assertEqual(self.price_cells(client), dealer_price)
        unit_price, marketing = self.intake('CAMPAIGN-RPC-3', 'D0001')
        self.assertGreater(unit_price, line['unit_price'])
        self.assertIsNone(marketing)


del PortalServerTestCase
