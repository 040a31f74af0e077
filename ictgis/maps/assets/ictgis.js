(function () {
  "use strict";
  var I = window.ictgis = {layers: {}, sitesLoaded: false, meta: {}, labelSets: [],
                           afterLayout: []};

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
    // labels above the markers and clusters, below tooltips and popups; they take no clicks
    var pane = map.createPane("ictgisLabels");
    pane.style.zIndex = 640;
    pane.style.pointerEvents = "none";
    // the province in view before any layer loads (the clusters need a view); I.layout
    // fits it again clear of the controls
    I.bounds = L.latLngBounds(meta.bounds);
    map.fitBounds(I.bounds, {animate: false});
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
        layer.bindPopup(function () {
          var card = I.card(p[o.title], rows(p, o.fields));
          if (o.link && p[o.link]) {  // the unit's own map (a province of the national page)
            var a = el("a", I.t.open_page, "ictgis-open");
            a.href = p[o.link];
            card.appendChild(a);
          }
          return card;
        }, {maxWidth: 380});
        if (o.tooltip) {
          layer.bindTooltip(function () { return el("span", p[o.tooltip]); }, {sticky: true});
        }
      }
    });
    if (o.labelClass) {
      var labels = labelGroup(layer, o);
      layer.on("add", function () { map.addLayer(labels); });
      layer.on("remove", function () { map.removeLayer(labels); });
    }
    I.layers[o.key] = layer;
    return layer;
  };

  // Labels at a point inside each polygon (p._lon, p._lat), shown by I.declutter only where
  // they fit: inside their polygon as drawn at the zoom, over no other label, the labels of
  // larger units (lower o.rank) placed first.
  function labelGroup(geo, o) {
    var group = L.layerGroup(), labels = [];
    geo.eachLayer(function (layer) {
      var p = layer.feature.properties;
      if (p._lat === null || p._lon === null || p._lat === undefined) { return; }
      var marker = L.marker([p._lat, p._lon], {
        interactive: false, keyboard: false, pane: "ictgisLabels",
        icon: L.divIcon({className: "ictgis-label " + o.labelClass, iconSize: null,
                         html: el("span", p.name)})
      }).addTo(group);
      labels.push({marker: marker, bounds: layer.getBounds()});
    });
    I.labelSets.push({group: group, rank: o.rank || 0, labels: labels});
    group.on("add", function () { setTimeout(I.declutter, 0); });
    return group;
  }

  // Outlines (districts, regions) with their labels.
  I.outlines = function (map, data, o) {
    var group = L.featureGroup();
    var geo = L.geoJSON(data, {interactive: false,
                               style: {color: o.stroke, weight: o.weight, opacity: 0.9,
                                       fill: false}}).addTo(group);
    labelGroup(geo, o).addTo(group);
    I.layers[o.key] = group;
    return group;
  };

  I.declutter = function () {
    var map = I.map;
    if (!map) { return; }
    var box = map.getContainer().getBoundingClientRect(), items = [], placed = [];
    I.labelSets.forEach(function (set) {
      if (!map.hasLayer(set.group)) { return; }
      set.labels.forEach(function (label) {
        var node = label.marker.getElement();
        if (node && node.firstChild) { items.push({set: set, label: label, span: node.firstChild}); }
      });
    });
    // every measure first, then every change (one layout)
    items.forEach(function (it) {
      var b = it.label.bounds;
      var a = map.latLngToContainerPoint(b.getSouthWest());
      var c = map.latLngToContainerPoint(b.getNorthEast());
      it.rect = it.span.getBoundingClientRect();
      it.room = [Math.abs(c.x - a.x), Math.abs(a.y - c.y)];
    });
    items.sort(function (p, q) { return p.set.rank - q.set.rank; });
    items.forEach(function (it) {
      var r = it.rect, pad = 3;
      var show = r.width <= it.room[0] && r.height <= it.room[1] &&
        r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom &&
        !placed.some(function (q) {
          return r.left < q.right + pad && q.left < r.right + pad &&
                 r.top < q.bottom + pad && q.top < r.bottom + pad;
        });
      if (show) { placed.push(r); }
      it.span.style.visibility = show ? "" : "hidden";
    });
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
    // chunks of 2 s: after each, markercluster redraws the clusters in view, which at 100,000
    // sites in 250 ms chunks (its default) took longer than the clustering itself
    var cluster = L.markerClusterGroup({
      chunkedLoading: true, chunkInterval: 2000, chunkDelay: 20, showCoverageOnHover: false,
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
    // others (quadratic); on the map it clusters them in chunks, keeping the page alive.
    // Both once the view is final (I.layout): markercluster's zoom animations fail on a
    // group that is empty or still loading
    I.afterLayout.push(function () {
      cluster.addTo(map);
      cluster.addLayers(markers);
    });
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
    var control = L.control({position: "topright"});
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
    I.titleBox = div;
  };

  // A panel that folds to its button (legend, layer list, the title's details).
  I.collapsible = function (container, label, collapsed) {
    var button = el("button", label, "ictgis-toggle");
    button.type = "button";
    container.insertBefore(button, container.firstChild);
    var set = function (folded) {
      L.DomUtil[folded ? "addClass" : "removeClass"](container, "ictgis-collapsed");
      button.setAttribute("aria-expanded", folded ? "false" : "true");
    };
    L.DomEvent.on(button, "click", function (e) {
      L.DomEvent.stop(e);
      set(!L.DomUtil.hasClass(container, "ictgis-collapsed"));
      I.declutter();
    });
    set(collapsed);
    return button;
  };

  // Below this width (px) the panels start folded.
  I.SMALL = 768;

  // Last: fold the panels on a small screen, then fit the province (ictgis.meta.bounds:
  // [[south, west], [north, east]]) into the part of the map that the controls leave free.
  I.layout = function (map) {
    var small = map.getContainer().clientWidth < I.SMALL;
    var layers = map.getContainer().querySelector(".leaflet-control-layers");
    if (layers) { I.collapsible(layers, I.t.layers_toggle, small); }
    if (I.legendControl) {
      I.collapsible(I.legendControl.getContainer(), I.t.legend_toggle, small);
    }
    if (I.titleBox) {
      var details = I.titleBox.querySelector(".details");
      if (details) { I.collapsible(details, I.t.details_toggle, small); }
    }
    I.fit();
    map.on("moveend", I.declutter);
    I.declutter();
    I.afterLayout.forEach(function (f) { f(); });
    I.laidOut = true;
  };

  // Fit the province clear of the controls: beside the columns of controls and below the
  // title, or below every control, whichever shows it larger.
  I.fit = function () {
    var map = I.map, box = map.getContainer().getBoundingClientRect();
    var left = 0, right = 0, top = 0, below = 0;
    var rect = function (node) {
      var r = node.getBoundingClientRect();
      below = Math.max(below, r.bottom - box.top);
      return r;
    };
    map.getContainer().querySelectorAll(".leaflet-top.leaflet-left .leaflet-control")
      .forEach(function (c) { left = Math.max(left, rect(c).right - box.left); });
    map.getContainer().querySelectorAll(".leaflet-top.leaflet-right .leaflet-control")
      .forEach(function (c) { right = Math.max(right, box.right - rect(c).left); });
    if (I.titleBox) { top = rect(I.titleBox).bottom - box.top; }
    var m = 8, bottom = 28;  // the scale bar
    var choices = [[[left + m, top + m], [right + m, bottom]], [[m, below + m], [m, bottom]]];
    var zoom = choices.map(function (c) {
      var pad = L.point(c[0]).add(c[1]);
      // a choice that leaves less than a third of the map is no choice
      if (pad.x > box.width * 2 / 3 || pad.y > box.height * 2 / 3) { return -Infinity; }
      return map.getBoundsZoom(I.bounds, false, pad);
    });
    var best = zoom[1] > zoom[0] ? choices[1] : zoom[0] > -Infinity ? choices[0]
      : [[m, m], [m, m]];
    map.fitBounds(I.bounds, {paddingTopLeft: best[0], paddingBottomRight: best[1],
                             animate: false});
  };
})();
