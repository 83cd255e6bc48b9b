# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, tree)
from trytond.pyson import Eval, If


class Territory(DeactivableMixin, tree(separator=' / '), ModelSQL, ModelView):
    __name__ = 'dms.territory'
    __string__ = "Territory"
    name = fields.Char("Name", required=True, translate=True)
    code = fields.Char("Code", required=True)
    level = fields.Selection([
            ('region', "Region"),
            ('country', "Country"),
            ('province', "Province"),
            ('city', "City"),
            ('district', "District"),
            ], "Level", required=True, sort=False)
    parent = fields.Many2One(
        'dms.territory', "Parent", ondelete='RESTRICT')
    children = fields.One2Many('dms.territory', 'parent', "Children")
    country = fields.Many2One(
        'country.country', "Country", ondelete='RESTRICT')
    subdivision = fields.Many2One(
        'country.subdivision', "Subdivision", ondelete='RESTRICT',
        domain=[
            If(Eval('country'),
                ('country', '=', Eval('country', -1)),
                ()),
            ])
    manager = fields.Many2One(
        'company.employee', "Manager", ondelete='SET NULL',
        help="The factory employee responsible for the territory.")
    dealers = fields.One2Many(
        'dms.dealer', 'territory', "Dealers", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'dms_dealer.msg_territory_code_unique'),
            ]

    @classmethod
    def default_level(cls):
        return 'city'

    @fields.depends('subdivision', 'country')
    def on_change_subdivision(self):
        if self.subdivision and not self.country:
            self.country = self.subdivision.country
