"""The citizens' page in a real browser (Chromium, headless, through chromedriver) against a live
demo server: a resident reports without an account (the phone's position filled in by the page's
script, a photo attached), keeps the case number and follow code, follows the case, and rates it
once the staff have closed it. A script typed into the description is shown, never run. A tap on
the map places a report in the village it fell in.

Run by scripts/test-live, which starts the server and sets MINQING_URL, MINQING_CREDENTIALS,
MINQING_LAT and MINQING_LNG.
"""
import json
import os
import struct
import zlib

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ["MINQING_URL"]
CREDENTIALS = json.load(open(os.environ["MINQING_CREDENTIALS"]))
LAT = float(os.environ["MINQING_LAT"])
LNG = float(os.environ["MINQING_LNG"])
PAYLOAD = '井盖缺失<img src=x onerror="document.title=\'pwned\'"><script>document.title=\'pwned\'</script>'


def png(path):
    """A real one-pixel PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    with open(path, "wb") as file:
        file.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))
    return path


def staff_key(username):
    answer = requests.post(
        f"{BASE}/api/v1/api-keys",
        headers={"Authorization": "Bearer " + CREDENTIALS["api_keys"]["admin"]},
        json={"username": username, "label": "browser test", "scopes": ["admin"]},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["key"]


def act(key, number, body):
    answer = requests.post(f"{BASE}/api/v1/cases/{number}/actions", headers={"Authorization": "Bearer " + key}, json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=420,900"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(2)
    yield driver
    driver.quit()


def test_a_resident_reports_follows_and_rates_in_a_browser(browser, tmp_path):
    wait = WebDriverWait(browser, 10)
    browser.get(f"{BASE}/citizen")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-CN"
    # The phone's position, through the page's script.
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": BASE, "permissions": ["geolocation"]})
    browser.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": LAT, "longitude": LNG, "accuracy": 5})
    locate = browser.find_element(By.ID, "locate")
    assert locate.is_displayed()
    locate.click()
    wait.until(lambda driver: driver.find_element(By.ID, "lat").get_attribute("value") != "")
    assert abs(float(browser.find_element(By.ID, "lat").get_attribute("value")) - LAT) < 1e-5
    assert abs(float(browser.find_element(By.ID, "lng").get_attribute("value")) - LNG) < 1e-5

    # Only the chosen class's questions show.
    questions = {fieldset.get_attribute("data-class"): fieldset for fieldset in browser.find_elements(By.CSS_SELECTOR, "fieldset.questions")}
    assert {"C0101", "E0501"} <= set(questions) and not any(fieldset.is_displayed() for fieldset in questions.values())
    Select(browser.find_element(By.ID, "class")).select_by_value("C0101")
    assert questions["C0101"].is_displayed() and not questions["E0501"].is_displayed()
    Select(browser.find_element(By.ID, "attr.C0101.cover_use")).select_by_value("sewage")
    browser.find_element(By.ID, "description").send_keys(PAYLOAD)
    browser.find_element(By.ID, "photos").send_keys(png(str(tmp_path / "manhole.png")))
    browser.find_element(By.ID, "name").send_keys("张三")
    browser.find_element(By.ID, "phone").send_keys("13812345678")
    browser.find_element(By.ID, "send").click()
    number = wait.until(expected_conditions.presence_of_element_located((By.ID, "case-number"))).text
    code = browser.find_element(By.ID, "follow-code").text
    assert number.isdigit() and len(code) == 14, (number, code)
    assert browser.title != "pwned"

    # What the staff see: the photo kept, the contact masked, the reporter no account.
    center = staff_key("zhzx-" + CREDENTIALS["city"])
    record = requests.get(f"{BASE}/api/v1/cases/{number}", headers={"Authorization": "Bearer " + center}).json()
    assert record["source"] == "citizen" and record["reporter"] == "public"
    assert record["contact"] == {"name": "张*", "phone": "138****5678"}
    assert len(record["photos"]) == 1 and record["description"] == PAYLOAD
    assert record["attributes"] == {"cover_use": "sewage"}

    # Following it: the code typed as a resident might, the payload shown as text.
    browser.find_element(By.ID, "follow-link").click()
    browser.find_element(By.ID, "number").send_keys(number)
    browser.find_element(By.ID, "code").send_keys(code.lower().replace("-", " "))
    browser.find_element(By.ID, "follow").click()
    assert wait.until(expected_conditions.presence_of_element_located((By.ID, "state"))).text == "已上报，等待受理"
    assert browser.find_element(By.ID, "description-shown").text == PAYLOAD
    assert browser.title != "pwned"
    assert browser.find_elements(By.ID, "rate-form") == []

    # The staff run the loop to closure.
    act(center, number, {"action": "accept"})
    lead = act(center, number, {"action": "dispatch"})["lead_department"]
    department = staff_key("bm-" + lead)
    act(department, number, {"action": "sign"})
    act(department, number, {"action": "handle", "result": "已补齐井盖", "evidence": ["sha256:ab12"]})
    act(center, number, {"action": "verify", "evidence": ["sha256:cd34"]})
    act(center, number, {"action": "close"})

    # Rated in the browser: "not solved" and "satisfied" are separate answers, and "not solved" reopens.
    browser.find_element(By.ID, "follow-link").click()
    browser.find_element(By.ID, "number").send_keys(number)
    browser.find_element(By.ID, "code").send_keys(code)
    browser.find_element(By.ID, "follow").click()
    assert wait.until(expected_conditions.presence_of_element_located((By.ID, "state"))).text == "已结案"
    browser.find_element(By.CSS_SELECTOR, "input[name=solved][value=no]").click()
    browser.find_element(By.CSS_SELECTOR, "input[name=satisfied][value=yes]").click()
    browser.find_element(By.ID, "rate").click()
    wait.until(expected_conditions.presence_of_element_located((By.ID, "thanks")))
    assert browser.find_element(By.ID, "state").text == "已立案，等待派遣"
    history = requests.get(f"{BASE}/api/v1/cases/{number}/history", headers={"Authorization": "Bearer " + center}).json()
    rating = history[-1]
    assert rating["action"] == "rate" and rating["actor"] == "public"
    assert rating["fields"]["solved"] is False and rating["fields"]["satisfied"] is True

    # In English on request.
    browser.get(f"{BASE}/citizen?lang=en")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.ID, "send").text == "Send"


def test_a_tap_on_the_map_places_the_report_in_its_village(browser):
    wait = WebDriverWait(browser, 10)
    browser.get(f"{BASE}/citizen?lang=en")
    # Drawn by Leaflet (Debian's libjs-leaflet, served by the server) from the city's outlines.
    box = wait.until(expected_conditions.visibility_of_element_located((By.ID, "map")))
    wait.until(lambda driver: driver.find_elements(By.CSS_SELECTOR, "#map canvas"))
    assert browser.find_element(By.ID, "map-hint").is_displayed()
    assert browser.find_element(By.ID, "lat").get_attribute("value") == ""
    # A tap in the middle of the city (the map wholly in view first: a tap goes to the middle of
    # what is in view).
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    ActionChains(browser).move_to_element(box).click().perform()
    wait.until(lambda driver: driver.find_element(By.ID, "lat").get_attribute("value") != "")
    picked = browser.find_element(By.ID, "map-picked").text
    assert picked.startswith("Place chosen, in or near: "), picked
    village = picked.removeprefix("Place chosen, in or near: ")
    latitude = float(browser.find_element(By.ID, "lat").get_attribute("value"))
    longitude = float(browser.find_element(By.ID, "lng").get_attribute("value"))
    outlines = requests.get(f"{BASE}/map/outlines.geojson").json()["features"]
    codes = [f["properties"]["code"] for f in outlines if f["properties"]["level"] == "village" and f["properties"]["name"] == village]
    assert codes, village

    Select(browser.find_element(By.ID, "class")).select_by_value("E0101")
    browser.find_element(By.ID, "description").send_keys("A pile of rubbish by the bus stop")
    browser.find_element(By.ID, "send").click()
    number = wait.until(expected_conditions.presence_of_element_located((By.ID, "case-number"))).text
    center = staff_key("zhzx-" + CREDENTIALS["city"])
    record = requests.get(f"{BASE}/api/v1/cases/{number}", headers={"Authorization": "Bearer " + center}).json()
    assert abs(record["location"]["lat"] - latitude) < 1e-6 and abs(record["location"]["lng"] - longitude) < 1e-6, record
    # In the village the page named (a tap in the middle of a village, far from its boundary): a
    # small grid's code begins with its village's.
    assert any(record["area"].startswith(code) for code in codes), (record["area"], codes)


def test_a_form_from_another_page_is_refused_and_changes_nothing(browser):
    browser.get(f"{BASE}/citizen")
    listed = f"{BASE}/open311/v2/requests.json?service_code=C0101"
    before = requests.get(listed).json()
    # The form's token altered, as a page elsewhere would have to guess it.
    browser.execute_script("document.querySelector('input[name=token]').value = 'forged'")
    Select(browser.find_element(By.ID, "class")).select_by_value("C0101")
    browser.find_element(By.ID, "description").send_keys("伪造的表单")
    browser.find_element(By.ID, "lat").send_keys(str(LAT))
    browser.find_element(By.ID, "lng").send_keys(str(LNG))
    browser.find_element(By.ID, "send").click()
    assert "表单已过期" in WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.ID, "failure"))).text
    assert requests.get(listed).json() == before
