(function () {
  "use strict";
  var I = window.ictgis = {layers: {}, sitesLoaded: false, meta: {}};

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  I.el = el;

  // A popup card: a title and label/value rows, every text set with textContent.
  I.card = function (title, rows) {
    var box = el("div", null, "ictgis-card");
    box.appendChild(el("div", title, "ictgis-card-title"));
    var table = el("table");
    rows.forEach(function (row) {
      var value = row[1];
      if (value === null || value === undefined || value === "" ||
          (Array.isArray(value) && !value.length)) { return; }
      var tr = table.insertRow();
      tr.appendChild(el("th", row[0]));
      var td = el("td");
      if (Array.isArray(value)) {
        value.forEach(function (line) { td.appendChild(el("div", line)); });
      } else {
        td.textContent = String(value);
      }
      tr.appendChild(td);
    });
    box.appendChild(table);
    return box;
  };

  // A number as the page's language writes it (decimal mark from ictgis.meta.decimal).
  I.num = function (x) { return String(x).replace(".", I.meta.decimal || "."); };

  function rows(p, fields) {
    return fields.map(function (f) { return [f[1], p[f[0]]]; });
  }

  I.init = function (map, meta, text) {
    I.map = map;
    I.meta = meta;
    // ictgis.sitesLoaded: every site clustered (I.sites), or no site drawn one by one
    I.sitesLoaded = !meta.clustered;
    I.t = text;  // the labels of the page's language (catalogue ids maps.label.*)
    // popups pan clear of the title box
    L.Popup.prototype.options.autoPanPaddingTopLeft = L.point(60, 110);
    L.control.scale({imperial: false, maxWidth: 150}).addTo(map);
  };

  // Polygons (choropleth, zones): fill from a class index or a category colour.
  I.polygons = function (map, data, o) {
    var layer = L.geoJSON(data, {
      style: function (f) {
        var p = f.properties, fill = o.fill;
        if (o.colors) { fill = p._c >= 0 ? o.colors[p._c] : o.nodata; }
        if (o.palette) { fill = o.palette[p[o.colorBy]] || o.fill; }
        return {color: o.stroke, weight: o.weight, opacity: 0.9, fillColor: fill,
                fillOpacity: o.fillOpacity};
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindPopup(function () { return I.card(p[o.title], rows(p, o.fields)); },
                        {maxWidth: 380});
        if (o.tooltip) {
          layer.bindTooltip(function () { return el("span", p[o.tooltip]); }, {sticky: true});
        }
      }
    });
    I.layers[o.key] = layer;
    return layer;
  };

  // Outlines with a label at a point inside each polygon.
  I.outlines = function (map, data, o) {
    var group = L.featureGroup();
    L.geoJSON(data, {interactive: false,
                     style: {color: o.stroke, weight: o.weight, opacity: 0.9, fill: false}})
      .addTo(group);
    data.features.forEach(function (f) {
      var p = f.properties;
      if (p._lat === null || p._lon === null) { return; }
      L.marker([p._lat, p._lon], {
        interactive: false, keyboard: false,
        icon: L.divIcon({className: "ictgis-label " + o.labelClass, iconSize: null,
                         html: el("span", p.name)})
      }).addTo(group);
    });
    I.layers[o.key] = group;
    return group;
  };

  // Points (postal points, planned sites, findings; counts per commune sized by p._r)
  // and lines (finding links).
  I.points = function (map, data, o) {
    var layer = L.geoJSON(data, {
      pointToLayer: function (f, latlng) {
        var p = f.properties;
        var fill = o.palette ? (o.palette[p[o.colorBy]] || o.fill) : o.fill;
        return L.circleMarker(latlng, {radius: p._r || o.radius, color: o.stroke, weight: 1,
                                       fillColor: fill, fillOpacity: 0.9});
      },
      style: function (f) {
        var p = f.properties;
        return {color: o.palette ? (o.palette[p[o.colorBy]] || o.fill) : o.fill,
                weight: 2, opacity: 0.9, dashArray: "4 3"};
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindPopup(function () { return I.card(p[o.title], rows(p, o.fields)); },
                        {maxWidth: 420});
      }
    });
    I.layers[o.key] = layer;
    return layer;
  };

  // BTS sites: compact columns -> canvas circle markers, clustered in the browser.
  I.sites = function (map, d, o) {
    var n = d.id.length, markers = new Array(n), i;
    var cluster = L.markerClusterGroup({
      chunkedLoading: true, chunkInterval: 250, chunkDelay: 20, showCoverageOnHover: false,
      maxClusterRadius: 70,
      chunkProgress: function (done, total) {
        if (total === n && done >= total) { I.sitesLoaded = true; }
      }
    });
    for (i = 0; i < n; i++) {
      markers[i] = L.circleMarker([d.lat0 + d.dlat[i] / 1e5, d.lon0 + d.dlon[i] / 1e5], {
        radius: 6, color: "#222", weight: 1, fillColor: d.opColors[d.op[i]],
        fillOpacity: 0.95});
      markers[i].ictgisIndex = i;
    }
    // on the map first: before that, addLayers checks each marker against all the
    // others (quadratic); on the map it clusters them in chunks, keeping the page alive
    cluster.addTo(map);
    cluster.addLayers(markers);
    if (!n) { I.sitesLoaded = true; }
    cluster.on("click", function (e) {
      var m = e.layer;
      // keep the map from seeing the click: it would unspiderfy and close the popup
      L.DomEvent.stopPropagation(e);
      if (!m.getPopup()) {
        m.bindPopup(function () { return I.site(m.ictgisIndex); }, {maxWidth: 420});
      }
      m.openPopup();
    });
    I.siteData = d;
    I.siteMarkers = markers;
    I.layers[o.key] = cluster;
    return cluster;
  };

  I.site = function (i) {
    var d = I.siteData, f = d.findings[String(i)], h = d.height10[i];
    var t = I.t;
    return I.card(d.idPrefix + d.id[i], [
      [t.operators, d.ops[d.op[i]]], [t.technologies, d.techs[d.tech[i]]],
      [t.mast_class, d.classes[d.cls[i]]],
      [t.height, h === null ? null : I.num(h / 10) + " " + t.units_m],
      [t.status, d.statuses[d.st[i]]], [t.commune, d.communes[d.cm[i]]],
      [t.site_findings, f ? f.map(function (k) { return d.lines[k]; })
                          : (d.findingsOmitted ? t.findings_omitted : t.none)]]);
  };

  I.findSite = function (id) {
    var d = I.siteData;
    if (!d || String(id).indexOf(d.idPrefix) !== 0) { return null; }
    var i = d.id.indexOf(String(id).slice(d.idPrefix.length));
    return i < 0 ? null : I.siteMarkers[i];
  };

  // Zoom to a site and spiderfy its cluster if needed; resolves with its marker once shown.
  // (markercluster's zoomToShowLayer waits for an icon, which a circle marker has not.)
  I.showSite = function (id) {
    return new Promise(function (resolve, reject) {
      var m = I.findSite(id), cluster = I.layers.bts, map = I.map;
      if (!m) { reject(new Error("no site " + id)); return; }
      map.setView(m.getLatLng(), map.getMaxZoom(), {animate: false});
      setTimeout(function () {
        var parent = cluster.getVisibleParent(m);
        if (!parent || parent === m) { resolve(m); return; }
        cluster.once("spiderfied", function () { setTimeout(function () { resolve(m); }, 300); });
        parent.spiderfy();
      }, 400);
    });
  };

  // Search communes by name, ignoring diacritics and case.
  function fold(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[\u0111\u0110]/g, "d").toLowerCase();
  }
  I.search = function (map, layer, o) {
    var control = new L.Control.Search({
      layer: layer, propertyName: o.property, marker: false, initial: false,
      collapsed: true, position: "topleft", textPlaceholder: I.t.search,
      textErr: I.t.not_found, autoCollapse: true,
      buildTip: function (text) { return el("li", text); },
      filterData: function (text, records) {
        var q = fold(text), out = {};
        Object.keys(records).forEach(function (k) {
          if (fold(k).indexOf(q) !== -1) { out[k] = records[k]; }
        });
        return out;
      },
      moveToLocation: function (latlng, title, m) {
        m.fitBounds(latlng.layer.getBounds(), {maxZoom: 14});
      }
    });
    control.on("search:locationfound", function (e) {
      if (!map.hasLayer(layer)) { map.addLayer(layer); }
      if (e.layer.getPopup()) { e.layer.openPopup(); }
    });
    map.addControl(control);
    I.searchControl = control;
    return control;
  };

  // Legend: our own HTML (every text escaped in Python); a section shows with its layer.
  I.legend = function (map, html, bindings) {
    var control = L.control({position: "bottomleft"});
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "ictgis-legend");
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    bindings.forEach(function (b) {
      var section = control.getContainer().querySelector('[data-section="' + b[0] + '"]');
      var layer = b[1];
      var sync = function () { section.style.display = map.hasLayer(layer) ? "" : "none"; };
      layer.on("add remove", sync);
      sync();
    });
    I.legendControl = control;
  };

  I.title = function (map, html) {
    var div = L.DomUtil.create("div", "ictgis-title", map.getContainer());
    div.innerHTML = html;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
  };
})();
