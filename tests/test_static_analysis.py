# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
"""Static analysis of the modules: bandit finds no high-severity issue."""
import json
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BANDIT = os.path.join(os.path.dirname(sys.executable), 'bandit')


class BanditTestCase(unittest.TestCase):

    def test_no_high_severity(self):
        "bandit reports no high-severity issue in addons/"
        result = subprocess.run(
            [BANDIT, '-r', os.path.join(ROOT, 'addons'), '-f', 'json', '-q',
                '--exclude', '*/tests/*'],
            capture_output=True, text=True)
        report = json.loads(result.stdout)
        self.assertGreater(report['metrics']['_totals']['loc'], 5000)
        high = ['%(filename)s:%(line_number)s %(test_id)s %(issue_text)s'
            % issue for issue in report['results']
            if issue['issue_severity'] == 'HIGH']
        self.assertEqual(high, [])
