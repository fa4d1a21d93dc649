// The citizens' page: fills the location from a tap on the map or from the phone's position, and
// sends a form once. The page works without it: the location can be typed.
const locate = document.getElementById("locate");
if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", () => {
        const status = document.getElementById("locate-status");
        status.textContent = locate.dataset.waiting;
        navigator.geolocation.getCurrentPosition(
            (position) => {
                document.getElementById("lat").value = position.coords.latitude.toFixed(6);
                document.getElementById("lng").value = position.coords.longitude.toFixed(6);
                document.getElementById("lat").dispatchEvent(new Event("change"));
                status.textContent = "";
            },
            () => { status.textContent = locate.dataset.failed; },
            { enableHighAccuracy: true, timeout: 15000 }
        );
    });
}
// Only the chosen class's questions are shown and sent.
const kind = document.getElementById("class");
if (kind) {
    const showQuestions = () => {
        for (const set of document.querySelectorAll("fieldset.questions")) {
            const chosen = set.dataset.class === kind.value;
            set.hidden = !chosen;
            for (const input of set.querySelectorAll("input, select, textarea")) input.disabled = !chosen;
        }
    };
    kind.addEventListener("change", showQuestions);
    showQuestions();
}
for (const form of document.querySelectorAll("form[data-once]")) {
    form.addEventListener("submit", () => {
        for (const button of form.querySelectorAll("button[type=submit]")) button.disabled = true;
    });
}
// The map (when the server has its library): the towns' and villages' boundaries; a tap fills the
// location and names the village it fell in. A typed or found location moves the mark.
const mapBox = document.getElementById("map");
if (mapBox && window.L) {
    const lat = document.getElementById("lat");
    const lng = document.getElementById("lng");
    const picked = document.getElementById("map-picked");
    const map = L.map(mapBox, { preferCanvas: true, attributionControl: false });
    let mark = null;
    const show = (latitude, longitude) => {
        if (mark) mark.setLatLng([latitude, longitude]);
        else mark = L.circleMarker([latitude, longitude], { radius: 8, color: "#c62828", weight: 3, fillOpacity: 0.5 }).addTo(map);
    };
    const pick = (point, name) => {
        lat.value = point.lat.toFixed(6);
        lng.value = point.lng.toFixed(6);
        show(point.lat, point.lng);
        picked.textContent = name ? picked.dataset.prefix + name : "";
    };
    const typed = () => {
        const latitude = parseFloat(lat.value);
        const longitude = parseFloat(lng.value);
        if (Number.isFinite(latitude) && Number.isFinite(longitude)) show(latitude, longitude);
    };
    fetch(mapBox.dataset.outlines)
        .then((answer) => (answer.ok ? answer.json() : Promise.reject(answer.status)))
        .then((outlines) => {
            if (!outlines.features || outlines.features.length === 0) return;
            mapBox.hidden = false;
            const towns = { color: "#1f5fbf", weight: 2, fill: false, interactive: false };
            const villages = { color: "#5b6475", weight: 1, fillColor: "#1f5fbf", fillOpacity: 0.04 };
            const layer = L.geoJSON(outlines, {
                style: (feature) => (feature.properties.level === "town" ? towns : villages),
                onEachFeature: (feature, shape) => {
                    shape.on("click", (event) => {
                        L.DomEvent.stop(event);
                        pick(event.latlng, feature.properties.name);
                    });
                },
            }).addTo(map);
            map.invalidateSize();
            map.fitBounds(layer.getBounds());
            document.getElementById("map-hint").hidden = false;
            typed();
        })
        .catch(() => {
            mapBox.hidden = true;
            document.getElementById("map-hint").hidden = true;
        });
    map.on("click", (event) => pick(event.latlng, ""));
    lat.addEventListener("change", typed);
    lng.addEventListener("change", typed);
}
