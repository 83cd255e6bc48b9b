/* The dealer's dashboard: its charts drawn by Apache ECharts (served by the
   portal, no CDN) from the figures the page carries in #dashboard-data; the
   tables of the page hold the same figures without JavaScript. */
(function () {
  'use strict';
  var source = document.getElementById('dashboard-data');
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var lang = data.lang;
  var money = new Intl.NumberFormat(lang, {
    style: 'currency', currency: data.currency, currencyDisplay: 'narrowSymbol',
    minimumFractionDigits: data.digits, maximumFractionDigits: data.digits});
  var compact = new Intl.NumberFormat(lang, {
    style: 'currency', currency: data.currency, currencyDisplay: 'narrowSymbol',
    notation: 'compact',
    maximumFractionDigits: 1});
  var number = new Intl.NumberFormat(lang, {maximumFractionDigits: 4});
  var charts = [];
  // Tooltips are plain text: the portal's Content-Security-Policy refuses
  // the inline styles of ECharts' HTML markers
  function text(value) {
    return String(value).replace(/&/g, '&amp;').replace(/</g, '&lt;')
      .replace(/>/g, '&gt;');
  }
  function chart(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var instance = echarts.init(element, null, {
      locale: lang === 'zh-CN' ? 'ZH' : 'EN', renderer: 'canvas'});
    instance.setOption(Object.assign({
      animation: false,
      textStyle: {fontFamily: getComputedStyle(document.body).fontFamily},
      grid: {left: 8, right: 8, top: 36, bottom: 8, containLabel: true}
    }, option));
    charts.push(instance);
  }
  var narrow = window.matchMedia('(max-width: 640px)').matches;

  chart('chart-revenue', {
    legend: {top: 0, data: [data.labels.revenue, data.labels.orders]},
    tooltip: {trigger: 'axis', formatter: function (items) {
      return text(items[0].axisValueLabel) + items.map(function (item) {
        var value = item.seriesIndex === 0 ? money.format(item.value)
          : number.format(item.value);
        return '<br>' + text(item.seriesName) + ': ' + text(value);
      }).join('');
    }},
    xAxis: {type: 'category', data: data.series.periods,
      axisLabel: {hideOverlap: true, rotate: narrow ? 45 : 0}},
    yAxis: [
      {type: 'value', axisLabel: {formatter: function (value) {
        return compact.format(value); }}},
      {type: 'value', minInterval: 1, splitLine: {show: false}}
    ],
    series: [
      {name: data.labels.revenue, type: 'bar', data: data.series.revenue,
        itemStyle: {color: '#0b5cad'}},
      {name: data.labels.orders, type: 'line', yAxisIndex: 1,
        data: data.series.orders, itemStyle: {color: '#c2571a'}}
    ]
  });

  chart('chart-products', {
    tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'},
      formatter: function (items) {
        var index = items[0].dataIndex;
        return text(data.products.names[index]) + '<br>'
          + text(data.labels.revenue) + ': '
          + text(money.format(data.products.revenue[index])) + '<br>'
          + text(data.labels.quantity) + ': '
          + text(number.format(data.products.quantity[index]));
      }},
    grid: {left: 8, right: 28, top: 8, bottom: 8, containLabel: true},
    xAxis: {type: 'value', axisLabel: {hideOverlap: true,
      formatter: function (value) { return compact.format(value); }}},
    yAxis: {type: 'category', inverse: true, data: data.products.names,
      axisLabel: {width: narrow ? 110 : 180, overflow: 'truncate'}},
    series: [{name: data.labels.revenue, type: 'bar',
      data: data.products.revenue, itemStyle: {color: '#0b5cad'}}]
  });

  chart('chart-stages', {
    tooltip: {trigger: 'axis', axisPointer: {type: 'shadow'},
      formatter: function (items) {
        return text(items[0].name) + ': ' + text(number.format(items[0].value));
      }},
    grid: {left: 8, right: 16, top: 8, bottom: 8, containLabel: true},
    xAxis: {type: 'value', minInterval: 1},
    yAxis: {type: 'category', inverse: true, data: data.stages.names},
    series: [{name: data.labels.orders, type: 'bar',
      data: data.stages.counts, itemStyle: {color: '#1e6b34'},
      label: {show: true, position: 'right'}}]
  });

  window.addEventListener('resize', function () {
    charts.forEach(function (instance) { instance.resize(); });
  });
}());
