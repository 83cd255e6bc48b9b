# This file is part of the DMS project.  The COPYRIGHT file at the top level
# of this repository contains the full copyright notices and license terms.
import re

from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction


# Chinese characters (CJK unified ideographs and their extension A)
CHINESE = re.compile('[\u3400-\u4dbf\u4e00-\u9fff]')


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

    @property
    def dms_written_language(self):
        """The language the address is written in: 'zh_CN' when its street,
        city or district have Chinese characters, else 'en'"""
        text = ''.join(filter(None, [
                    getattr(self, 'street', None),
                    getattr(self, 'city', None),
                    getattr(self, 'district', None)]))
        return 'zh_CN' if CHINESE.search(text) else 'en'

    def get_full_address(self, name):
        # An address reads in the order of the language it is written in,
        # whatever the reader's: 浙江省杭州市西湖区人民路381号 (Tryton's
        # format of China in Chinese), "381 Renmin Road, Xihu District,
        # Hangzhou" (in English), never the Chinese order of English words
        language = self.dms_written_language
        if (language == 'zh_CN') == (
                Transaction().language or '').startswith('zh'):
            return super().get_full_address(name)
        with Transaction().set_context(language=language):
            return super().get_full_address(name)

    def get_rec_name(self, name):
        if self.dms_written_language != 'zh_CN':
            return super().get_rec_name(name)
        # 省市区 + street, after the party
        with Transaction().set_context(language='zh_CN'):
            substitutions = self._get_address_substitutions()
        return ', '.join(filter(None, [
                    self.party_full_name,
                    substitutions['subdivision'] + substitutions['city']
                    + (self.street_single_line or '')]))

    def _get_address_substitutions(self):
        pool = Pool()
        Country = pool.get('country.country')
        Subdivision = pool.get('country.subdivision')
        substitutions = super()._get_address_substitutions()
        subdivision = getattr(self, 'subdivision', None)
        if subdivision and subdivision.id is not None and subdivision.id >= 0:
            # The name in the language of the transaction, not of the
            # address's reading
            name = Subdivision(subdivision.id).name or ''
            substitutions['subdivision'] = name
            substitutions['SUBDIVISION'] = name.upper()
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
