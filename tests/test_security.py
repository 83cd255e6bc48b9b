# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""CSRF and CORS on a real server with the demo database, route by route
from the table of tests/test_portal_isolation.py: every state-changing
route refuses a POST without the CSRF token, with the token of another
browser or from another origin, and nothing changes in the database; no GET
changes anything but the session's last activity; random and nasty values
in every form never give a server error, and a refused form changes
nothing."""
import os
import re
import sqlite3
import xmlrpc.client

from tests.fixtures import DEMO_LOGINS, _backend, _pg_uri
from tests.test_portal_isolation import ROUTES, PortalServerTestCase

# Tables a refused request or a page may change: the sign-in sessions (their
# last activity) and attempts
VOLATILE_TABLES = {
    'web_user_session', 'web_user_authenticate_attempt',
    'res_user_login_attempt', 'ir_session',
    # Tryton's product images keep their resized copies when first read
    # (as its own /product/image route does): a cache, not the dealer's data
    'product_image_cache', 'sqlite_sequence',
    }
# A plausible form per state-changing route (ids of D0001's records are
# filled in by form())
FORMS = {
    '/login': {'email': DEMO_LOGINS['d0001.buyer'][0],
        'password': DEMO_LOGINS['d0001.buyer'][1]},
    '/language': {'lang': 'zh_CN'},
    '/reset-password': {'email': DEMO_LOGINS['d0001.buyer'][0]},
    '/reset-password/confirm': {'email': DEMO_LOGINS['d0001.buyer'][0],
        'token': 'x', 'password': 'new-secret-1', 'password2': 'new-secret-1'},
    '/cart/add': {'product_code': 'AC-1001', 'quantity': '1'},
    '/cart/quick': {'lines': 'AC-1001 2'},
    '/cart/upload': {},
    '/cart/line': {'line': 'line', 'quantity': '3'},
    '/cart/checkout': {'reference': 'CSRF-1', 'delivery_address': 'address'},
    '/suggestions/cart': {},
    '/account/users/invite': {'email': 'new@example.com', 'role': 'buyer'},
    '/account/users/<int:user_id>': {'action': 'role', 'role': 'viewer'},
    '/account/addresses/new': {'street': 'Street 1', 'city': 'Hangzhou'},
    '/account/addresses/<int:address_id>': {'street': 'Street 2',
        'city': 'Ningbo'},
    '/orders/<int:sale_id>/chat': {'content': 'Hello'},
    '/bulletins/<int:bulletin_id>/chat': {'content': 'Hello'},
    '/feedback/<int:feedback_id>/chat': {'content': 'Hello'},
    '/feedback/new': {'kind': 'trend', 'subject': 'Red sells'},
    '/inbox/preferences': {'email': 'bulletin'},
    '/campaigns/<int:campaign_id>/proposal': {'plan': 'Open days',
        'plan_start': '2026-01-01', 'plan_end': '2026-01-02'},
    '/campaigns/<int:campaign_id>/decline': {'reason': 'No time'},
    '/campaigns/<int:campaign_id>/activities': {'kind': 'event',
        'description': 'Open day', 'date': '2026-01-01'},
    '/campaigns/<int:campaign_id>/chat': {'content': 'Hello'},
    '/campaigns/<int:campaign_id>/claims/new': {'amount': '100',
        'description': 'Chef'},
    '/claims/<int:claim_id>/chat': {'content': 'Hello'},
    }


# The fields of each portal form, for the fuzzer
FIELDS = {
    '/login': ['email', 'password', 'next'],
    '/language': ['lang', 'next'],
    '/reset-password': ['email'],
    '/reset-password/confirm': ['email', 'token', 'password', 'password2'],
    '/cart/add': ['product_code', 'quantity', 'next'],
    '/cart/quick': ['lines'],
    '/cart/upload': [],
    '/cart/line': ['line', 'quantity', 'action'],
    '/cart/checkout': ['reference', 'requested_date', 'delivery_address',
        'note'],
    '/orders/<int:sale_id>/chat': ['content'],
    '/orders/<int:sale_id>/reorder': [],
    '/orders/<int:sale_id>/received': [],
    '/suggestions/cart': [],
    '/account/users/invite': ['email', 'role'],
    '/account/users/<int:user_id>': ['action', 'role'],
    '/account/addresses/new': ['party_name', 'street', 'postal_code', 'city',
        'country', 'subdivision'],
    '/account/addresses/<int:address_id>': ['party_name', 'street',
        'postal_code', 'city', 'country', 'subdivision'],
    '/account/addresses/<int:address_id>/archive': [],
    '/bulletins/<int:bulletin_id>/read': ['ajax'],
    '/bulletins/<int:bulletin_id>/acknowledge': [],
    '/bulletins/<int:bulletin_id>/chat': ['content'],
    '/feedback/new': ['kind', 'subject', 'description', 'product',
        'attribute', 'estimated_quantity', 'competitor', 'competitor_price'],
    '/feedback/<int:feedback_id>/chat': ['content'],
    '/inbox/<int:notification_id>/open': [],
    '/inbox/read': [],
    '/inbox/preferences': ['email'],
    '/campaigns/<int:campaign_id>/proposal': ['plan_start', 'plan_end',
        'plan', 'expected_sales', 'requested_budget'],
    '/campaigns/<int:campaign_id>/decline': ['reason'],
    '/campaigns/<int:campaign_id>/activities': ['date', 'kind',
        'description', 'participants', 'gifts'],
    '/campaigns/<int:campaign_id>/chat': ['content'],
    '/campaigns/<int:campaign_id>/claims/new': ['amount', 'description'],
    '/claims/<int:claim_id>/chat': ['content'],
    }
# The routes a viewer (read-only portal user) is refused: ordering, the
# administration of the dealer's account and the answers to the campaigns
# (plans, declines, activities); every other route works for it
VIEWER_REFUSED = {
    '/cart/add', '/cart/quick', '/cart/upload', '/cart/line',
    '/cart/checkout', '/orders/<int:sale_id>/reorder',
    '/orders/<int:sale_id>/received', '/suggestions/cart',
    '/account/users', '/account/users/invite', '/account/users/<int:user_id>',
    '/account/addresses', '/account/addresses/new',
    '/account/addresses/<int:address_id>',
    '/account/addresses/<int:address_id>/archive',
    '/campaigns/<int:campaign_id>/proposal',
    '/campaigns/<int:campaign_id>/decline',
    '/campaigns/<int:campaign_id>/activities',
    '/campaigns/<int:campaign_id>/claims/new',
    }
# Values that broke web applications before
NASTY = [
    '', ' ', '0', '-1', '1e309', 'NaN', 'Infinity', '9' * 40, '2147483648',
    '-0.0001', '1,5', '\u0661\u0662', '<script>alert(1)</script>',
    '"><img src=x onerror=alert(1)>', "' OR '1'='1", '1; DROP TABLE sale_sale',
    '../../../etc/passwd', '%00', '\x00', '\r\n\r\nX: y', '{{7*7}}',
    '${7*7}', '=HYPERLINK("http://evil")', 'admin', 'buyer', 'viewer',
    'remove', 'role', 'deactivate', 'AC-1001', 'AC-1001 3', '2026-02-30',
    '\U0001F600' * 50, 'x' * 5000, '\u202e\u0645\u0631\u062d\u0628\u0627',
    ]


class PortalCSRFTestCase(PortalServerTestCase):
    """Forged, cross-origin and fuzzed requests are refused and change
    nothing"""

    @classmethod
    def setUpData(cls):
        admin = cls.admin
        dealer, = admin.dms.dealer.search_read(
            [('code', '=', 'D0001')], 0, 1, None, ['party'], {})
        client = cls.client('d0001.admin')
        # A cart line to change, and files of D0001's records to download
        response = cls.post(client, '/cart/quick', lines='AC-1001 1')
        assert response.status == 200, response.status
        line, = admin.sale.line.search(
            [('sale.dealer', '=', dealer['id']),
                ('sale.state', '=', 'draft')], 0, 1, None, {})
        sale, = admin.sale.sale.search(
            [('dealer', '=', dealer['id']), ('state', '!=', 'draft')],
            0, 1, [('id', 'ASC')], {})
        # A bulletin for D0001 to acknowledge
        company, = admin.company.company.search([], 0, None, None, {})
        ctx = {'company': company, 'companies': [company]}
        bulletin, = admin.dms.bulletin.create([{
                    'title': 'Recall', 'body': 'Acknowledge it',
                    'kind': 'recall', 'acknowledgement_required': True,
                    'audience': 'dealers', 'company': company,
                    'dealers': [('add', [dealer['id']])]}], ctx)
        admin.dms.bulletin.publish([bulletin], ctx)
        feedback, = admin.dms.feedback.search(
            [('dealer', '=', dealer['id'])], 0, 1, [('id', 'ASC')], {})
        users = admin.web.user.search_read(
            [('dealer', '=', dealer['id'])], 0, None, None, ['email'], {})
        user, = [u['id'] for u in users
            if u['email'] == DEMO_LOGINS['d0001.buyer'][0]]
        notification, = admin.dms.dealer.notification.search(
            [('dealer', '=', dealer['id']), ('user', '=', user)],
            0, 1, [('id', 'ASC')], {})
        address, = admin.party.address.search(
            [('party', '=', dealer['party'])], 0, 1, [('id', 'ASC')], {})
        files = {}
        for key, resource in [
                ('sale_file', 'sale.sale,%s' % sale),
                ('bulletin_file', 'dms.bulletin,%s' % bulletin),
                ('feedback_file', 'dms.feedback,%s' % feedback)]:
            files[key], = admin.ir.attachment.create([{
                        'name': 'terms.pdf', 'resource': resource,
                        'type': 'data', 'dms_shared': True,
                        'data': xmlrpc.client.Binary(b'%PDF-1.4 terms'),
                        }], {})
        # A campaign D0001 took part in (the demo's closed one, its plan
        # approved) with a material, and a claim of D0001 with its proof
        participation, = admin.dms.campaign.participation.search_read(
            [('dealer', '=', dealer['id']), ('state', '=', 'approved')],
            0, 1, [('id', 'ASC')], ['campaign'], {})
        claim, = admin.dms.campaign.claim.create([{
                    'participation': participation['id'],
                    'amount': 100, 'description': "Claim of D0001",
                    }], {})
        for key, resource in [
                ('campaign_file', 'dms.campaign,%s'
                    % participation['campaign']),
                ('claim_file', 'dms.campaign.claim,%s' % claim)]:
            files[key], = admin.ir.attachment.create([{
                        'name': 'proof.pdf', 'resource': resource,
                        'type': 'data', 'dms_shared': True,
                        'data': xmlrpc.client.Binary(b'%PDF-1.4 proof'),
                        }], {})
        product, = admin.product.product.search(
            [('code', '=', 'AC-1001')], 0, 1, None, {})
        cls.own = {
            'product': product, 'line': line, 'sale': sale, 'user': user,
            'address': address, 'bulletin': bulletin,
            'feedback': feedback, 'notification': notification,
            'campaign': participation['campaign'], 'claim': claim, **files,
            }

    def path(self, rule, target):
        "The rule with the ids of D0001's records in its placeholders"
        keys = iter([target] * rule.count('<int:')
            if isinstance(target, str) or target is None else target)
        return re.sub(r'<int:\w+>',
            lambda match: str(self.own[next(keys)]), rule)

    def form(self, rule):
        return {name: str(self.own.get(value, value))
            for name, value in FORMS.get(rule, {}).items()}

    def fingerprint(self):
        """Rows and last change of every table of the server's database but
        VOLATILE_TABLES"""
        database = self.server.database
        if _backend() == 'postgresql':
            import psycopg
            connection = psycopg.connect(_pg_uri() + database)
            columns = connection.execute(
                "SELECT table_name, column_name "
                "FROM information_schema.columns "
                "WHERE table_schema = 'public'").fetchall()
        else:
            connection = sqlite3.connect(os.path.join(
                    self.server.folder, database + '.sqlite'))
            columns = []
            for table, in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"):
                columns.extend((table, c[1]) for c in connection.execute(
                        'PRAGMA table_info("%s")' % table))
        with connection:
            tables = {}
            for table, column in columns:
                tables.setdefault(table, set()).add(column)
            result = {}
            for table, names in sorted(tables.items()):
                if table in VOLATILE_TABLES:
                    continue
                dates = [n for n in ['create_date', 'write_date']
                    if n in names]
                select = ', '.join(['COUNT(*)'] + [
                        'MAX(%s)' % n for n in dates])
                result[table] = tuple(connection.execute(
                        'SELECT %s FROM "%s"' % (select, table)).fetchone())
        return result

    def assertUnchanged(self, before):
        after = self.fingerprint()
        self.assertEqual(
            {t: (before.get(t), v) for t, v in after.items()
                if before.get(t) != v}, {})

    def test_forged_posts(self):
        """Every POST without the token, with another browser's token or
        from another origin is refused and changes nothing"""
        client = self.client('d0001.admin')
        other = self.client('d0005.admin')
        foreign_token = self.csrf(other)
        self.assertNotEqual(foreign_token, self.csrf(client))
        before = self.fingerprint()
        checked = 0
        for rule, (methods, target, public) in sorted(ROUTES.items()):
            if 'POST' not in methods or rule == '/<path:path>':
                continue
            url = self.base + self.path(rule, target)
            form = self.form(rule)
            for name, token, headers in [
                    ("without token", None, {}),
                    ("token of another browser", foreign_token, {}),
                    ("other origin", self.csrf(client),
                        {'Origin': 'https://evil.example.com'}),
                    ("other referrer", self.csrf(client),
                        {'Referer': 'https://evil.example.com/form'}),
                    ]:
                with self.subTest(rule=rule, attack=name):
                    data = dict(form)
                    if token is not None:
                        data['csrf_token'] = token
                    response = client.post(url, form=data, headers=headers)
                    self.assertEqual(response.status, 403)
                    self.assertNotIn(
                        'access-control-allow-origin', response.headers)
                    checked += 1
        self.assertUnchanged(before)
        self.assertGreaterEqual(checked, 4 * 25)
        # The same requests with the browser's own token pass the check
        for rule in ['/language', '/cart/quick', '/feedback/new',
                '/orders/<int:sale_id>/chat']:
            with self.subTest(rule=rule):
                response = client.post(
                    self.base + self.path(rule, ROUTES[rule][1]),
                    form={**self.form(rule), 'csrf_token': self.csrf(client)},
                    headers={'Origin': self.server.url})
                self.assertIn(response.status, {200, 303})
        self.assertNotEqual(self.fingerprint(), before)

    def test_get_changes_nothing(self):
        "No page nor download changes anything"
        client = self.client('d0001.admin')
        before = self.fingerprint()
        checked = 0
        for rule, (methods, target, public) in sorted(ROUTES.items()):
            if 'GET' not in methods:
                continue
            if rule == '/<path:path>':
                path = '/no-such-page'
            elif rule == '/static/<path:filename>':
                path = '/static/portal.css'
            else:
                path = self.path(rule, target)
            with self.subTest(rule=rule):
                response = client.get(self.base + path)
                self.assertLess(response.status, 500)
                checked += 1
        self.assertUnchanged(before)
        self.assertGreaterEqual(checked, 25)

    def test_no_cors(self):
        """Other sites cannot read the portal's answers: no CORS header, and
        their requests with a browser's cookies are refused"""
        client = self.client('d0001.admin')
        for method, path in [('GET', '/'), ('GET', '/orders'),
                ('OPTIONS', '/orders')]:
            with self.subTest(method=method, path=path):
                response = client.fetch(self.base + path, method=method,
                    headers={'Origin': 'https://evil.example.com',
                        'Access-Control-Request-Method': 'POST'})
                self.assertEqual(response.status, 403)
                self.assertNotIn(
                    'access-control-allow-origin', response.headers)
        response = client.get(self.base + '/orders')
        self.assertEqual(response.status, 200)
        self.assertNotIn('access-control-allow-origin', response.headers)

    def test_forms(self):
        """Random and nasty values in every portal form: never a server
        error, and a refused form changes nothing"""
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st

        self.assertEqual(
            sorted(FIELDS),
            sorted(r for r, (m, _, _) in ROUTES.items()
                if 'POST' in m and r not in {'/<path:path>', '/logout'}))
        client = self.client('d0001.admin')
        value = st.one_of(st.sampled_from(NASTY), st.text(max_size=300))
        statuses = []

        @settings(max_examples=120, deadline=None, derandomize=True,
            database=None, suppress_health_check=list(HealthCheck))
        @given(rule=st.sampled_from(sorted(FIELDS)), data=st.data())
        def post(rule, data):
            form = {name: data.draw(value, label=name)
                for name in FIELDS[rule]}
            before = self.fingerprint()
            response = client.post(
                self.base + self.path(rule, ROUTES[rule][1]),
                form={**form, 'csrf_token': self.csrf(client)})
            statuses.append(response.status)
            self.assertLess(response.status, 500, (rule, form))
            if response.status >= 400:
                self.assertUnchanged(before)
            if rule == '/login' and response.status == 303:
                # Signed in as somebody: sign in as the admin again
                client.post(self.base + '/logout',
                    form={'csrf_token': self.csrf(client)})
                email, password = DEMO_LOGINS['d0001.admin']
                self.post(client, '/login', email=email, password=password)
        post()
        self.assertIn(400, statuses)
        log = self.server.read_log()
        self.assertNotIn('portal: error on', log)
        self.assertIsNone(re.search(r'" 5\d\d -', log))

    def test_viewer_matrix(self):
        """Every route as a viewer of D0001 on D0001's records: refused
        (404) where VIEWER_REFUSED says so, working everywhere else"""
        self.assertLessEqual(VIEWER_REFUSED, set(ROUTES))
        email = DEMO_LOGINS['d0001.buyer'][0]
        viewer, = self.admin.web.user.search(
            [('email', '=', email)], 0, 1, None, {})
        self.admin.web.user.write([viewer], {'dealer_role': 'viewer'}, {})
        try:
            client = self.client('d0001.buyer')
            for rule, (methods, target, public) in sorted(ROUTES.items()):
                if public:
                    continue
                url = self.base + self.path(rule, target)
                for method in methods:
                    with self.subTest(rule=rule, method=method):
                        if method == 'GET':
                            response = client.get(url)
                        else:
                            response = client.post(url, form={
                                    **self.form(rule),
                                    'csrf_token': self.csrf(client)})
                        if rule in VIEWER_REFUSED:
                            self.assertEqual(response.status, 404)
                        else:
                            self.assertNotIn(response.status, {403, 404})
                            self.assertLess(response.status, 500)
        finally:
            self.admin.web.user.write(
                [viewer], {'dealer_role': 'buyer'}, {})

    def test_payloads_in_exports(self):
        """Script and formula payloads stored by a checkout render escaped
        in the portal and as text in the XLSX and PDF downloads"""
        import io
        import zipfile

        import openpyxl
        reference = '=HYPERLINK("http://evil.example/","x")'
        note = "+cmd|' /C calc'!A0 <script>alert('note')</script>"
        client = self.client('d0005.admin')
        response = self.post(client, '/cart/quick', lines='SP-6009 1')
        self.assertEqual(response.status, 200)
        response = self.post(client, '/cart/checkout',
            reference=reference, note=note)
        self.assertEqual(response.status, 303, response.text()[:500])
        sale, = self.admin.sale.sale.search_read(
            [('external_reference', '=', reference)], 0, None, None,
            ['comment'], {})
        self.assertEqual(sale['comment'], note)

        page = client.get(self.base + '/orders/%s' % sale['id']).text()
        self.assertNotIn("<script>alert('note')", page)
        self.assertIn('&lt;script&gt;', page)
        for path, cell in [
                ('/orders/export.xlsx?q=HYPERLINK', (2, 3)),
                ('/orders/%s/order.xlsx' % sale['id'], (3, 2))]:
            with self.subTest(path=path):
                response = client.get(self.base + path)
                self.assertEqual(response.status, 200)
                content = response.body()
                # No formula anywhere in the workbook
                with zipfile.ZipFile(io.BytesIO(content)) as workbook:
                    for name in workbook.namelist():
                        if name.startswith('xl/worksheets/'):
                            xml = workbook.read(name).decode()
                            self.assertNotRegex(xml, r'<f[ >]')
                sheet = openpyxl.load_workbook(io.BytesIO(content)).active
                value = sheet.cell(*cell)
                self.assertEqual(value.value, reference)
                self.assertEqual(value.data_type, 's')
                texts = [c.value for row in sheet.iter_rows() for c in row]
                if 'order.xlsx' in path:
                    self.assertIn(note, texts)
