"""Every label of the maps, in Vietnamese and English (to move into the message catalogue)."""

from __future__ import annotations

from collections.abc import Mapping

from ictgis.errors import ConfigError

#: Labels of the maps in both languages (``ictgis map --lang``), used by the Python that builds
#: the page and by its script (those in ``JS_LABELS``, sent to the browser as ``ictgis.t``).
#: Keys with ``{...}`` are ``str.format`` templates.
LABELS: Mapping[str, Mapping[str, str]] = {
    "vi": {
        "synthetic": "DỮ LIỆU TỔNG HỢP (demo) — không phải số liệu thật",
        "ind_radius_km": "R, bán kính phục vụ của một điểm phục vụ bưu chính",
        "ind_pop_per_point": "Dp, số dân phục vụ của một điểm phục vụ bưu chính",
        "ind_masts_per_100km2": "Mật độ cột BTS",
        "ind_pop_pct_any": "Tỷ lệ dân số được phủ sóng {tech} (mọi doanh nghiệp)",
        "units_radius_km": "km", "units_pop_per_point": "người",
        "units_masts_per_100km2": "cột/100 km²", "units_pop_pct_any": "%",
        "nodata_radius_km": "N = 0: không có điểm phục vụ bưu chính được tính",
        "nodata_pop_per_point": "N = 0: không có điểm phục vụ bưu chính được tính",
        "nodata_masts_per_100km2": "không có giá trị",
        "nodata_pop_pct_any": "không có kết quả vùng phủ sóng",
        "scheme_quantiles": "phân vị", "scheme_natural_breaks": "ngắt tự nhiên",
        "no_data": "không có số liệu ({why})",
        "classes_note": "{scheme}, {n} lớp; giới hạn trên thuộc lớp",
        "province": "Toàn tỉnh", "by_commune": "{label} theo xã, phường",
        "communes_layer": "Xã, phường: {label} ({units})",
        "search": "Xã, phường…", "not_found": "Không tìm thấy",
        "code": "Mã", "kind": "Loại", "district": "Huyện", "region": "Vùng",
        "population": "Dân số", "area": "Diện tích", "n_points": "Số điểm phục vụ N",
        "people_per_point": "người/điểm", "masts": "Số cột BTS", "density": "Mật độ cột BTS",
        "per_100km2": "cột/100 km²", "covered_tech": "Dân số được phủ sóng {tech}",
        "district_outlines": "Ranh giới huyện", "region_outlines": "Ranh giới vùng",
        "postal_points": "Điểm phục vụ bưu chính", "postal_layer": "Điểm bưu chính: {type}",
        "id": "Mã", "type": "Loại", "counted": "Tính vào N", "commune": "Xã, phường",
        "yes": "có", "no": "không", "unknown": "không rõ",
        "bts_layer": "Trạm BTS ({n}, gom cụm)", "shared": "dùng chung (2+ doanh nghiệp)",
        "bts_legend": "Trạm BTS theo doanh nghiệp",
        "bts_note": "Số trên cụm là số trạm trong cụm; bấm vào một trạm để xem thuộc tính và "
                    "các phát hiện kiểm tra quy hoạch.",
        "operators": "Doanh nghiệp", "technologies": "Công nghệ", "mast_class": "Loại cột",
        "height": "Chiều cao", "status": "Trạng thái",
        "site_findings": "Phát hiện kiểm tra quy hoạch", "none": "không có",
        "zones": "Khu vực quy hoạch", "zone": "khu vực", "zone_class": "Loại khu vực",
        "zone_prohibited": "Khu vực cấm", "zone_restricted_a1": "Khu vực chỉ lắp cột A1",
        "zone_permitted": "Khu vực được phép",
        "allowed": "Loại cột được phép", "max_height": "Chiều cao tối đa",
        "planned": "Vị trí quy hoạch", "planned_layer": "Vị trí quy hoạch ({n})",
        "planned_class": "Loại cột quy hoạch", "deviation": "Sai lệch cho phép",
        "planned_position": "vị trí quy hoạch",
        "findings_layer": "Phát hiện kiểm tra quy hoạch ({n})",
        "findings_legend": "Phát hiện kiểm tra quy hoạch (mức nặng nhất mỗi trạm)",
        "findings_note": "Đường nét đứt nối một cột với cột mà nó xung đột.",
        "worst": "Mức nặng nhất", "findings": "Phát hiện", "conflicts": "xung đột với {other}",
        "coverage_layer": "Vùng phủ sóng {tech} (mọi doanh nghiệp)",
        "signal_legend": "Mức tín hiệu {tech} (mọi doanh nghiệp)",
        "signal_class": "lớp {i}: {label}", "dbm_range": "từ {low:g} đến {high:g} dBm",
        "signal_note": "Mức tín hiệu của trạm phục vụ tốt nhất, mọi doanh nghiệp (mô phỏng).",
        "threshold_note": " Được phủ sóng nơi mức tín hiệu từ {dbm:g} dBm trở lên "
                          "(ngưỡng + dự phòng).",
        "base_tiles": "Bản đồ nền",
        "covered_any": "Tỷ lệ dân số được phủ sóng (mọi doanh nghiệp)",
        "static_radius": "{province}: bán kính phục vụ R của một điểm phục vụ bưu chính, "
                         "theo xã, phường",
        "static_coverage": "{province}: tỷ lệ dân số được phủ sóng (mọi doanh nghiệp), "
                           "theo xã, phường",
    },
    "en": {
        "synthetic": "SYNTHETIC demo data — not real figures",
        "ind_radius_km": "R, service radius per postal point",
        "ind_pop_per_point": "Dp, people per postal point",
        "ind_masts_per_100km2": "BTS density",
        "ind_pop_pct_any": "Population covered by {tech} (any operator)",
        "units_radius_km": "km", "units_pop_per_point": "people",
        "units_masts_per_100km2": "masts per 100 km²", "units_pop_pct_any": "%",
        "nodata_radius_km": "N = 0: no counted postal point",
        "nodata_pop_per_point": "N = 0: no counted postal point",
        "nodata_masts_per_100km2": "no value", "nodata_pop_pct_any": "no coverage result",
        "scheme_quantiles": "quantiles", "scheme_natural_breaks": "natural breaks",
        "no_data": "no data ({why})",
        "classes_note": "{scheme}, {n} classes; upper limits included",
        "province": "Province", "by_commune": "{label} by commune",
        "communes_layer": "Communes: {label} ({units})",
        "search": "Commune…", "not_found": "Not found",
        "code": "Code", "kind": "Kind", "district": "District", "region": "Region",
        "population": "Population", "area": "Area", "n_points": "Postal points N",
        "people_per_point": "people/point", "masts": "BTS masts", "density": "BTS density",
        "per_100km2": "per 100 km²", "covered_tech": "Population covered, {tech}",
        "district_outlines": "District outlines", "region_outlines": "Region outlines",
        "postal_points": "Postal service points", "postal_layer": "Postal points: {type}",
        "id": "Id", "type": "Type", "counted": "Counted in N", "commune": "Commune",
        "yes": "yes", "no": "no", "unknown": "unknown",
        "bts_layer": "BTS sites ({n}, clustered)", "shared": "shared (2+ operators)",
        "bts_legend": "BTS sites by operator",
        "bts_note": "Numbers on clusters count the sites inside; click a site for its "
                    "attributes and siting findings.",
        "operators": "Operator(s)", "technologies": "Technologies", "mast_class": "Mast class",
        "height": "Height", "status": "Status",
        "site_findings": "Siting findings", "none": "none",
        "zones": "Plan zones", "zone": "zone", "zone_class": "Zone class",
        "zone_prohibited": "prohibited", "zone_restricted_a1": "restricted_a1",
        "zone_permitted": "permitted",
        "allowed": "Allowed mast classes", "max_height": "Maximum height",
        "planned": "Planned sites", "planned_layer": "Planned sites ({n})",
        "planned_class": "Planned class", "deviation": "Allowed deviation",
        "planned_position": "planned position",
        "findings_layer": "Siting findings ({n})",
        "findings_legend": "Siting findings (worst per site)",
        "findings_note": "Dashed lines join a mast to the mast it conflicts with.",
        "worst": "Worst severity", "findings": "Findings", "conflicts": "conflicts with {other}",
        "coverage_layer": "Coverage {tech} (any operator)",
        "signal_legend": "Signal {tech} (any operator)",
        "signal_class": "class {i}: {label}", "dbm_range": "{low:g} to {high:g} dBm",
        "signal_note": "Best-server level, any operator (modelled).",
        "threshold_note": " Covered where the level is at least {dbm:g} dBm "
                          "(threshold + margin).",
        "base_tiles": "Base tiles",
        "covered_any": "Population covered (any operator)",
        "static_radius": "{province}: service radius R per postal point, by commune",
        "static_coverage": "{province}: population covered (any operator), by commune",
    },
}

#: Languages of the maps; the first is the default.
LANGUAGES = tuple(LABELS)

#: The labels that the page script uses (site popups, search), sent with each page.
JS_LABELS = ("operators", "technologies", "mast_class", "height", "status", "commune",
             "site_findings", "none", "search", "not_found")


def labels_for(lang: str = "vi") -> Mapping[str, str]:
    """The labels of one language (:data:`LABELS`).

    Raises
    ------
    ConfigError
        For a language that is not in :data:`LABELS`.
    """
    if lang not in LABELS:
        msg = f"unknown language {lang!r}; use one of {', '.join(LABELS)}"
        raise ConfigError(msg)
    return LABELS[lang]


#: Commune kind -> how popups show it (the same in every language, for now).
KIND_LABELS = {"phuong": "Phường", "thi_tran": "Thị trấn", "xa": "Xã"}
