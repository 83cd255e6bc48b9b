# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    dms_dealers = fields.One2Many(
        'dms.dealer', 'party', "Dealers", readonly=True)
    dealer = fields.Function(
        fields.Many2One('dms.dealer', "Dealer"),
        'get_dealer', searcher='search_dealer')

    def get_dealer(self, name):
        # A party is at most one dealer (unique constraint on dms.dealer)
        return self.dms_dealers[0].id if self.dms_dealers else None

    @classmethod
    def search_dealer(cls, name, clause):
        nested = clause[0][len(name):]
        return [('dms_dealers' + nested, *clause[1:])]

    @classmethod
    def copy(cls, parties, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('dms_dealers')
        return super().copy(parties, default=default)


class Address(metaclass=PoolMeta):
    __name__ = 'party.address'
    district = fields.Char(
        "District",
        help="The district or county inside the city (区/县), "
        "for the Chinese province / city / district address.")

    def _get_address_substitutions(self):
        pool = Pool()
        Country = pool.get('country.country')
        substitutions = super()._get_address_substitutions()
        chinese = (Transaction().language or '').startswith('zh')
        country = getattr(self, 'country', None)
        if chinese and country and substitutions['country']:
            # Tryton writes the country in English, for the post abroad: a
            # Chinese address reads 中国, not CHINA
            name = Country(country.id).name or ''
            substitutions['country'] = substitutions['COUNTRY'] = name
        district = getattr(self, 'district', None) or ''
        substitutions['district'] = district
        substitutions['DISTRICT'] = district.upper()
        if district:
            # Tryton's address formats have no ${district}: it goes with
            # the city, after it in Chinese (省市区), before it otherwise
            # ("Xihu District, Hangzhou")
            if chinese:
                city = substitutions['city'] + district
            else:
                city = ', '.join(
                    filter(None, [district, substitutions['city']]))
            substitutions['city'] = city
            substitutions['CITY'] = city.upper()
        return substitutions
