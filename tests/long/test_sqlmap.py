# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""sqlmap (Debian's package) against the search and filter parameters of the
portal, signed in as a dealer's administrator, on a real server on loopback:
it finds no injectable parameter, and the server answers no request with a
server error."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from tests.fixtures import DEMO_LOGINS, DemoServer
from tests.test_portal_concurrency import PortalClient

SQLMAP = shutil.which('sqlmap')
# Page -> the parameters sqlmap tests, with their usual values
TARGETS = [
    ('/catalogue', 'q=AC&category=1&page=1', 'q,category,page'),
    ('/orders', 'q=D&state=open&from=2026-01-01&to=2026-12-31&page=1',
        'q,state,from,to,page'),
    ('/feedback', 'page=1', 'page'),
    ('/bulletins', 'kind=price&page=1', 'kind,page'),
    ('/inbox', 'kind=bulletin&page=1', 'kind,page'),
    ]


@unittest.skipUnless(SQLMAP, "sqlmap is installed by make browser")
class SQLMapTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = DemoServer().start()
        cls.addClassCleanup(cls.server.stop)
        cls.base = '%s/%s/portal' % (cls.server.url, cls.server.database)
        cls.client = PortalClient(cls.base)
        cls.client.sign_in(*DEMO_LOGINS['d0001.admin'])
        cls.output = tempfile.mkdtemp(prefix='dms-sqlmap-')
        cls.addClassCleanup(shutil.rmtree, cls.output, True)

    def test_search_and_filters(self):
        "No parameter of the portal's searches and filters is injectable"
        cookie = '; '.join('%s=%s' % (c.name, c.value)
            for c in self.client.cookies)
        for path, query, parameters in TARGETS:
            with self.subTest(path=path):
                result = subprocess.run([SQLMAP,
                        '-u', '%s%s?%s' % (self.base, path, query),
                        '--cookie', cookie, '-p', parameters,
                        '--batch', '--level', '2', '--risk', '1',
                        '--time-sec', '2', '--threads', '2',
                        '--flush-session',
                        '--output-dir', self.output, '--disable-coloring',
                        '--skip-waf', '--ignore-code', '404'],
                    capture_output=True, text=True, timeout=900)
                output = result.stdout
                self.assertEqual(result.returncode, 0, output[-2000:])
                # sqlmap tested them and found nothing
                self.assertIn('do not appear to be injectable', output,
                    output[-2000:])
                self.assertNotRegex(output,
                    r"parameter '[^']+' (is|seems to be) .*injectable")
                # It tested the pages, not the sign-in page they would
                # redirect to without a session
                self.assertNotIn('redirect', output.lower())
                self.assertEqual(self.client.request(path)[0], 200)
        log = self.server.read_log()
        self.assertNotIn('portal: error on', log)
        self.assertIsNone(re.search(r'" 5\d\d -', log))
        self.assertTrue(os.listdir(self.output))
