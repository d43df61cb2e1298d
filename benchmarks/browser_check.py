"""The notebooks in a real browser: JupyterLab, headless Chromium, the widgets, the live view, the exercises.

Papermill cannot tell whether a slider works. This script starts JupyterLab on 127.0.0.1 (with a
token) in a scratch folder holding notebooks 01 and 02 with small parameters (papermill's
``prepare_only``: the parameters are injected, nothing is run), opens each in headless Debian
Chromium through Selenium, runs all cells, and fails on any error output (in the cells or inside a
widget). In notebook 01 it moves the first slider and waits for the figure under it to change; in
notebook 02 it checks that the live view left one image in the training cell.

Then the student versions of the five lessons (``stdplab.course``: nbgrader's ``generate_assignment``
with the small parameters ``course.SMALL``): in each it writes the model answers into the answer
cells but one multiple-choice exercise, types a wrong answer into that one's answer cell, runs all
cells and waits for that exercise's check to fail (``ExerciseFailed``, the run stops there, nothing
else fails); then it types the right answer, runs the answer cell and its check cell, and waits for
the check to pass. Last, if the documentation site is built (``docs/_build/html``), it opens its
index and one API page. Screenshots go into ``--figures`` (default ``figures/``): browser_01_sliders,
browser_02_live, browser_lesson<n>_wrong / _right, browser_docs_index, browser_docs_api.

    .venv/bin/python benchmarks/browser_check.py [--figures DIR] [--timeout S] [--lessons 01 03] [--no-students]

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install chromium chromium-driver``)
and ``selenium`` (requirements.txt); exits 2 with that message when the browser is missing.
Measured on the 2-core development machine beside two benchmarks: see the README. With the five student
lessons it took 7 min 1 s there (load average about 6; 3 min 42 s of CPU).
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import papermill
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from stdplab import course  # noqa: E402

DOCS = ROOT / "docs" / "_build" / "html"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# Small parameters: each notebook runs in about a minute. 02 learns from 1,000 MNIST images
# ($STDPLAB_DATA) with the 100-neuron shape the test suite compiles (chunks of 250).
NOTEBOOKS = {
    "01_neuron_and_stdp.ipynb": {"duration": 500.0, "dt_max": 20.0, "dt_step": 5.0, "n_pairs": 3,
                                 "compare_rules": False, "wta_duration": 250.0},
    "02_train_diehl_cook.ipynb": {"n_neurons": 100, "n_train": 1000, "n_test": 200, "chunk_size": 250,
                                  "snapshot_every": 250},
}

# Run in the page: the notebook's state from JupyterLab's own model (exposed with expose_app_in_browser).
STATE_JS = """
const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
if (!panel || !panel.content || !panel.sessionContext || !panel.sessionContext.session) return null;
const cells = [];
for (const cell of panel.content.model.cells) {
  if (cell.type !== 'code') continue;
  const outputs = [];
  for (let i = 0; i < cell.outputs.length; i++) {
    const o = cell.outputs.get(i).toJSON();
    outputs.push({type: o.output_type, ename: o.ename || null, evalue: o.evalue || null,
                  image: !!(o.data && o.data['image/png'])});
  }
  cells.push({count: cell.executionCount, outputs: outputs, source: cell.sharedModel.getSource().slice(0, 60)});
}
const kernel = panel.sessionContext.session.kernel;
const text = Array.from(document.querySelectorAll('.jp-OutputArea-output')).map(e => e.innerText).join('\\n');
return {path: panel.context.path, kernel: kernel ? kernel.status : null, cells: cells,
        traceback: text.includes('Traceback (most recent call last)'),
        busy: document.querySelectorAll('.jp-InputPrompt').length > 0 &&
              Array.from(document.querySelectorAll('.jp-InputPrompt')).some(e => e.innerText.includes('*')),
        sliders: document.querySelectorAll('.widget-interact .widget-slider').length};
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# User settings of the scratch JupyterLab: every cell stays rendered (by default cells out of view
# are not laid out, so a slider there has no size), and no news prompt covers the page.
SETTINGS = {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
            "@jupyterlab/apputils-extension/notification.jupyterlab-settings": '{"fetchNews": "false"}'}


def start_lab(folder: Path, token: str, port: int, log) -> subprocess.Popen:
    for name, text in SETTINGS.items():
        (folder / ".lab" / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / ".lab" / name).write_text(text)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "MPLBACKEND": "module://matplotlib_inline.backend_inline", "JUPYTERLAB_SETTINGS_DIR": str(folder / ".lab")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
               "--LabApp.expose_app_in_browser=True", "--ServerApp.open_browser=False",
               # A workspace of its own: the user's saved one would reopen other notebooks and kernels.
               f"--LabApp.workspaces_dir={folder / '.lab' / 'workspaces'}"]
    if os.geteuid() == 0:  # CI containers run as root
        command.append("--allow-root")
    lab = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 120
    while time.time() < deadline:
        if lab.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({lab.returncode}):\n" + Path(log.name).read_text()[-2000:])
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return lab
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not listen on port {port} within 120 s:\n" + Path(log.name).read_text()[-2000:])


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                 "--disable-gpu"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def wait(predicate, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


def errors(state) -> list[str]:
    found = [f"cell {c['source']!r}: {o['ename']}: {o['evalue']}" for c in state["cells"] for o in c["outputs"]
             if o["type"] == "error"]
    if state["traceback"]:
        found.append("a traceback is shown (inside a widget's output)")
    return found


def notebook_state(driver, name):
    """The state of notebook ``name`` if it is the current tab, else None. A kernel dialog (JupyterLab
    asks when a session starts slowly) is answered with its default, as a student would."""
    for button in driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog .jp-mod-accept"):
        button.click()
    state = driver.execute_script(STATE_JS)
    return state if state and state["path"].endswith(name) else None


def run_notebook(driver, url, name, timeout):
    """Open the notebook (``url``: the server's, with its token), run all cells, wait until every code
    cell has run; returns the final state."""
    base, token = url.split("?")
    driver.get(f"{base}/lab/tree/{name}?{token}")
    # The notebook's own kernel: the tab restored from before may be current for a while.
    wait(lambda: (s := notebook_state(driver, name)) and s["kernel"] == "idle", 120, f"{name}'s kernel")
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    start = time.time()

    def finished():
        state = notebook_state(driver, name)
        if state is None:
            return None
        if errors(state):
            raise AssertionError(f"{name}: " + "; ".join(errors(state)))
        done = all(c["count"] is not None for c in state["cells"]) and not state["busy"]
        return state if done and state["kernel"] == "idle" else None

    state = wait(finished, timeout, f"{name} to run")
    print(f"{name}: ran all {len(state['cells'])} code cells in {time.time() - start:.0f} s", flush=True)
    return state


def move_first_slider(driver, timeout):
    """Press the right arrow on the first slider of the first interact; wait for its figure to change."""
    box = driver.find_elements(By.CSS_SELECTOR, ".widget-interact")[0]
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", box)
    before = box.find_element(By.CSS_SELECTOR, "img").get_attribute("src")
    label = box.find_element(By.CSS_SELECTOR, ".widget-slider .widget-readout").text
    handle = box.find_element(By.CSS_SELECTOR, ".widget-slider .noUi-handle")
    driver.execute_script("arguments[0].focus()", handle)  # the slider's own keyboard handling
    ActionChains(driver).send_keys(Keys.ARROW_RIGHT * 4).perform()

    def changed():
        images = box.find_elements(By.CSS_SELECTOR, "img")
        return images and images[0].get_attribute("src") != before

    wait(changed, timeout, "the figure to redraw after moving the slider")
    after = box.find_element(By.CSS_SELECTOR, ".widget-slider .widget-readout").text
    print(f"slider moved from {label} to {after}; the figure redrew", flush=True)
    return box


# A cell of the current notebook by its index among all cells: its nbgrader id, run count, outputs.
CELL_JS = """
const panel = window.jupyterapp.shell.currentWidget;
const cell = panel.content.model.cells.get(arguments[0]);
const outputs = [];
if (cell.type === 'code') {
  for (let i = 0; i < cell.outputs.length; i++) {
    const o = cell.outputs.get(i).toJSON();
    outputs.push({type: o.output_type, ename: o.ename || null, evalue: o.evalue || null,
                  text: o.text ? [].concat(o.text).join('') : ''});
  }
}
const kernel = panel.sessionContext.session.kernel;
return {count: cell.type === 'code' ? cell.executionCount : null, outputs: outputs,
        kernel: kernel ? kernel.status : null};
"""
GRADE_IDS_JS = """
const panel = window.jupyterapp.shell.currentWidget;
return Array.from(panel.content.model.cells).map(c => (c.getMetadata('nbgrader') || {}).grade_id || null);
"""
SET_SOURCE_JS = """
window.jupyterapp.shell.currentWidget.content.model.cells.get(arguments[0]).sharedModel.setSource(arguments[1]);
"""
RUN_CELL_JS = """
const panel = window.jupyterapp.shell.currentWidget;
panel.content.activeCellIndex = arguments[0];
panel.content.deselectAll();
return window.jupyterapp.commands.execute('notebook:run-cell');
"""


def cell_node(driver, index: int):
    """The DOM node of cell ``index`` of the current notebook (other notebooks' tabs stay open, hidden)."""
    return driver.execute_script("return window.jupyterapp.shell.currentWidget.content.widgets[arguments[0]].node",
                                 index)


def type_into(driver, index: int, text: str) -> None:
    """Click into cell ``index``'s editor, select everything in it and type ``text``, as a student would."""
    cell = cell_node(driver, index)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    editor = cell.find_element(By.CSS_SELECTOR, ".cm-content")
    editor.click()
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).perform()
    editor.send_keys(Keys.DELETE)
    editor.send_keys(text)
    typed = driver.execute_script("return window.jupyterapp.shell.currentWidget.content.model.cells"
                                  ".get(arguments[0]).sharedModel.getSource()", index)
    if typed.strip() != text.strip():
        raise AssertionError(f"typed {text!r} into cell {index}, the cell holds {typed!r}")


def student_lesson(driver, url, name, source, figures, timeout):
    """Answer one exercise of a student notebook wrongly, then rightly; the rest with the model answers."""
    base, token = url.split("?")
    path = f"student/{name}/{name}.ipynb"
    driver.get(f"{base}/lab/tree/{path}?{token}")
    wait(lambda: (s := notebook_state(driver, f"{name}.ipynb")) and s["kernel"] == "idle", 120, f"{name}'s kernel")
    grade_ids = driver.execute_script(GRADE_IDS_JS)
    chosen, wrong, right = course.wrong_answer(source)
    check = chosen.replace("_answer", "_check")
    answer_at, check_at = grade_ids.index(chosen), grade_ids.index(check)
    for grade_id, model in course.solution_cells(source).items():  # the other exercises, done
        if grade_id != chosen:
            driver.execute_script(SET_SOURCE_JS, grade_ids.index(grade_id), model)
    type_into(driver, answer_at, wrong)
    start = time.time()
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")

    def failed():
        for button in driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog .jp-mod-accept"):
            button.click()
        state = driver.execute_script(STATE_JS)
        cell = driver.execute_script(CELL_JS, check_at)
        # the failing check shows a traceback; any other error output, or a traceback with none, is a failure
        others = [e for e in errors(state) if "ExerciseFailed" not in e and "a traceback is shown" not in e]
        if state["traceback"] and not any(o["type"] == "error" for c in state["cells"] for o in c["outputs"]):
            others.append("a traceback is shown (inside a widget's output)")
        if others:
            raise AssertionError(f"{name}: before {check}: " + "; ".join(others))
        shown = [o for o in cell["outputs"] if o["ename"] == "ExerciseFailed"]
        return shown[0]["evalue"] if shown and cell["kernel"] == "idle" and not state["busy"] else None

    message = wait(failed, timeout, f"{name}: {check} to fail on {wrong!r}")
    print(f"{name}: {wrong!r} typed; ran to {check} in {time.time() - start:.0f} s, which failed: {message[:90]}",
          flush=True)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                          cell_node(driver, check_at))
    driver.save_screenshot(str(figures / f"browser_lesson{name[:2]}_wrong.png"))

    type_into(driver, answer_at, right)
    before = driver.execute_script(CELL_JS, check_at)["count"]
    driver.execute_script(RUN_CELL_JS, answer_at)
    wait(lambda: driver.execute_script(CELL_JS, answer_at)["kernel"] == "idle", 60, "the answer cell")
    driver.execute_script(RUN_CELL_JS, check_at)

    def passed():
        cell = driver.execute_script(CELL_JS, check_at)
        if cell["count"] in (None, before) or cell["kernel"] != "idle":
            return None
        if any(o["type"] == "error" for o in cell["outputs"]):
            raise AssertionError(f"{name}: {check} still fails on {right!r}: {cell['outputs']}")
        return "".join(o["text"] for o in cell["outputs"])

    text = wait(passed, 120, f"{name}: {check} to pass")
    print(f"{name}: {right!r} typed; {check} passed: {text.strip()[:90]}", flush=True)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                          cell_node(driver, check_at))
    driver.save_screenshot(str(figures / f"browser_lesson{name[:2]}_right.png"))
    driver.execute_script("window.jupyterapp.commands.execute('notebook:close-and-shutdown')")
    time.sleep(2)
    for button in driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog .jp-mod-accept"):  # discard the edits
        button.click()


def documentation(driver, figures, docs: Path) -> list[str]:
    """Open the built documentation's index and one API page (file://); screenshots; [] if it is not built."""
    if not (docs / "index.html").exists():
        print(f"no documentation site at {docs}: not checked", flush=True)
        return []
    pages = sorted((docs / "api").glob("*.html")) if (docs / "api").is_dir() else []
    pages = sorted(pages, key=lambda p: "course" not in p.name)
    shots = []
    for label, page in (("index", docs / "index.html"), ("api", pages[0] if pages else None)):
        if page is None:
            continue
        driver.get(page.as_uri())
        title = wait(lambda: driver.execute_script("return document.readyState === 'complete' && document.title"),
                     30, f"{page.name} to load")
        if not driver.find_elements(By.CSS_SELECTOR, "h1"):
            raise AssertionError(f"{page}: no heading")
        driver.save_screenshot(str(figures / f"browser_docs_{label}.png"))
        shots.append(f"browser_docs_{label}.png")
        print(f"documentation {page.relative_to(docs)}: {title!r}", flush=True)
    return shots


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figures", default=str(ROOT / "figures"), help="where the screenshots go")
    parser.add_argument("--timeout", type=float, default=600, help="seconds each notebook may take to run")
    parser.add_argument("--lessons", nargs="*", help="student lessons to check, by number (default: all five)")
    parser.add_argument("--no-students", action="store_true", help="only notebooks 01 and 02 and the docs")
    parser.add_argument("--students-only", action="store_true", help="skip notebooks 01 and 02 (today's checks)")
    parser.add_argument("--docs", default=str(DOCS), help="the built documentation site (checked if there)")
    args = parser.parse_args(argv)
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).exists()]
    if missing:
        print(f"no browser: {', '.join(missing)} missing; apt-get install chromium chromium-driver", file=sys.stderr)
        return 2
    figures = Path(args.figures)
    figures.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="stdplab-browser-"))
    for name, params in NOTEBOOKS.items():  # the parameters injected, nothing run
        papermill.execute_notebook(str(ROOT / "notebooks" / name), str(folder / name), prepare_only=True,
                                   parameters={**params, "output_dir": str(folder / name[:2])}, progress_bar=False)
    lessons = {} if args.no_students else {
        name: path for name, path in course.lessons().items() if not args.lessons or name[:2] in args.lessons}
    if lessons:  # the student versions, as nbgrader releases them, with small parameters
        root = course.make_course(folder / ".course", course.lessons(), parameters=course.SMALL)
        released = course.generate_all(root)
        for name in lessons:
            shutil.copytree(released[name].parent, folder / "student" / name)
    port, token = free_port(), secrets.token_hex(16)
    (folder / ".lab").mkdir()
    log = open(folder / ".lab" / "jupyterlab.log", "w")
    lab = start_lab(folder, token, port, log)
    driver = None
    try:
        driver = browser()
        url = f"http://127.0.0.1:{port}?token={token}"
        shots = []
        if not args.students_only:
            state = run_notebook(driver, url, "01_neuron_and_stdp.ipynb", args.timeout)
            if state["sliders"] == 0:
                raise AssertionError("01: no slider was rendered (is the ipywidgets lab extension installed?)")
            box = move_first_slider(driver, 120)
            state = wait(lambda: (s := notebook_state(driver, "01_neuron_and_stdp.ipynb")) and s["kernel"] == "idle" and s,
                         60, "01 idle")
            if errors(state):
                raise AssertionError("01 after the slider: " + "; ".join(errors(state)))
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", box)
            driver.save_screenshot(str(figures / "browser_01_sliders.png"))

            state = run_notebook(driver, url, "02_train_diehl_cook.ipynb", args.timeout)
            training = next(c for c in state["cells"] if c["source"].startswith("results = run_experiment("))
            if sum(o["image"] for o in training["outputs"]) != 1:
                raise AssertionError(f"02: the training cell shows {sum(o['image'] for o in training['outputs'])} images,"
                                     " expected the live view's one")
            driver.execute_script("Array.from(document.querySelectorAll('.jp-Cell'))"
                                  ".find(e => e.innerText.includes('run_experiment(')).scrollIntoView({block: 'start'})")
            driver.save_screenshot(str(figures / "browser_02_live.png"))
            shots += ["browser_01_sliders.png", "browser_02_live.png"]
        failed = []
        for name in lessons:  # every lesson is tried; a failure is reported with its page, then the next
            try:
                student_lesson(driver, url, name, folder / ".course" / "source" / name / f"{name}.ipynb", figures,
                               args.timeout)
                shots += [f"browser_lesson{name[:2]}_wrong.png", f"browser_lesson{name[:2]}_right.png"]
            except Exception as error:
                failed.append(name)
                driver.save_screenshot(str(figures / f"browser_lesson{name[:2]}_failure.png"))
                print(f"{name}: FAILED: {type(error).__name__}: {error} (browser_lesson{name[:2]}_failure.png)",
                      file=sys.stderr, flush=True)
                driver.execute_script("window.jupyterapp.commands.execute('notebook:close-and-shutdown')")
                time.sleep(2)
                for button in driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog .jp-mod-accept"):
                    button.click()
        shots += documentation(driver, figures, Path(args.docs))
        print(f"screenshots in {figures}: {', '.join(shots)}")
        if failed:
            print(f"student lessons that failed: {', '.join(failed)}", file=sys.stderr)
        return 1 if failed else 0
    except Exception:
        if driver is not None:  # what the page showed when it failed
            driver.save_screenshot(str(figures / "browser_failure.png"))
            print(f"the page at the failure: {figures / 'browser_failure.png'}", file=sys.stderr)
        raise
    finally:
        if driver is not None:
            driver.quit()
        lab.terminate()
        try:
            lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            lab.kill()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
