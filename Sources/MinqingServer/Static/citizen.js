// The citizens' page: fills the location from the phone's position when asked, and sends a form
// once. The page works without it: the location can be typed.
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
