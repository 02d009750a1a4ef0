/* 双零 self-assessment in the browser: no server, works offline and from file://.
 *
 * The page holds the whole form (written by the generator from the same definition as the Excel form, the
 * fillable PDF and the XLSForm); this script only
 *   - asks a follow-up when its gate says so (data-ask-item, data-ask-yes / data-ask-above),
 *   - keeps the answers in this browser's localStorage while filling (key: pilot, year, form version),
 *   - checks required answers, whole numbers, limits and dates as the XLSForm's constraints do,
 *   - exports one CSV row in the layout of a KoboToolbox export of the XLSForm, which the county ingests,
 *   - prints a clean A4 copy of the form alone.
 * Nothing is sent anywhere: the only way answers leave the device is the person's own export.
 */
(function () {
  "use strict";

  var root = document.getElementById("sl-form");
  if (!root) return;
  var form = document.getElementById("sl-questions");
  var statusLine = document.getElementById("sl-status");
  var summary = document.getElementById("sl-summary");
  var storageKey = root.getAttribute("data-storage-key");
  var identity = JSON.parse(root.getAttribute("data-identity"));
  var YES = "yes";
  var TEXT_KINDS = { text: 1, detail: 1, attachment: 1 };

  var questions = Array.prototype.map.call(root.querySelectorAll(".sl-q"), function (el) {
    return {
      el: el,
      name: el.getAttribute("data-name"),
      kind: el.getAttribute("data-kind"),
      number: el.getAttribute("data-number"),
      column: el.getAttribute("data-column"),
      required: el.hasAttribute("data-required"),
      askItem: el.getAttribute("data-ask-item"),
      askYes: el.hasAttribute("data-ask-yes"),
      askAbove: Number(el.getAttribute("data-ask-above") || 0),
      maxItem: el.getAttribute("data-max-item"),
      maxNumber: el.getAttribute("data-max-number"),
      year: el.getAttribute("data-year"),
      inputs: Array.prototype.slice.call(el.querySelectorAll("[name]")),
      error: el.querySelector(".sl-q__error"),
      printValue: el.querySelector(".sl-print-value")
    };
  });
  var byName = {};
  questions.forEach(function (q) { byName[q.name] = q; });

  // --- values -------------------------------------------------------------------------------------------
  function value(q) {
    if (q.kind === "multi_choice") {
      return q.inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    }
    if (q.kind === "yes_no" || q.kind === "choice") {
      var checked = q.inputs.filter(function (i) { return i.checked; })[0];
      return checked ? checked.value : "";
    }
    return q.inputs[0].value.trim();
  }

  function setValue(q, v) {
    if (q.kind === "multi_choice" || q.kind === "yes_no" || q.kind === "choice") {
      var chosen = [].concat(v || []);
      q.inputs.forEach(function (i) { i.checked = chosen.indexOf(i.value) >= 0; });
    } else {
      q.inputs[0].value = v || "";
    }
  }

  function blank(v) { return Array.isArray(v) ? v.length === 0 : v === ""; }

  function asked(q) {
    if (!q.askItem) return true;
    var gate = byName[q.askItem];
    if (!gate || !asked(gate)) return false;
    var v = value(gate);
    if (q.askYes) return v === YES;
    return /^\d+$/.test(v) && Number(v) > q.askAbove;
  }

  // --- the checks of the XLSForm: required when asked, whole numbers, limits, dates ----------------------
  function problem(q) {
    if (!asked(q)) return null;
    var v = value(q);
    if (blank(v)) return q.required ? "本题必填" : null;
    if (q.kind === "count") {
      if (!/^\d+$/.test(v)) return "请填写 0 或以上的整数";
      if (q.maxItem) {
        var max = value(byName[q.maxItem]);
        if (/^\d+$/.test(max) && Number(v) > Number(max)) {
          return "不能大于第 " + q.maxNumber + " 项的 " + max;
        }
      }
    }
    if (q.kind === "date") {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) return "请填写日期，如 2026-03-01";
      if (q.year && v.slice(0, 4) !== q.year) return "请填写 " + q.year + " 年内的日期";
    }
    return null;
  }

  function showProblem(q, text) {
    q.error.textContent = text || "";
    q.error.hidden = !text;
    q.el.classList.toggle("sl-q--invalid", !!text);
    q.inputs.forEach(function (i) {
      if (text) i.setAttribute("aria-invalid", "true");
      else i.removeAttribute("aria-invalid");
    });
  }

  // --- follow-ups appear and disappear with their gates ------------------------------------------------
  function refresh() {
    questions.forEach(function (q) {
      var on = asked(q);
      q.el.hidden = !on;
      q.inputs.forEach(function (i) { i.disabled = !on; });
      if (!on) showProblem(q, null);
      var v = value(q);
      if (q.kind === "multi_choice" || q.kind === "yes_no" || q.kind === "choice") {
        v = [].concat(v).map(function (name) {
          var input = q.inputs.filter(function (i) { return i.value === name; })[0];
          return input ? input.parentNode.textContent.trim() : name;
        }).join("、");
      }
      q.printValue.textContent = v;
    });
  }

  // --- kept in this browser while filling ----------------------------------------------------------------
  var storage = null;
  try {
    storage = window.localStorage;
    storage.setItem(storageKey + "/probe", "1");
    storage.removeItem(storageKey + "/probe");
  } catch (e) {
    storage = null;
  }

  function say(text) { statusLine.textContent = text; }

  function save() {
    if (!storage) return;
    var answers = {};
    questions.forEach(function (q) {
      var v = value(q);
      if (!blank(v)) answers[q.name] = v;
    });
    try {
      storage.setItem(storageKey, JSON.stringify({ answers: answers, saved: new Date().toISOString() }));
      say("答案已保存在这台设备上（" + new Date().toLocaleTimeString("zh-CN") + "）。");
    } catch (e) {
      say("这台设备的浏览器不能保存答案（存储已满或被禁用）：请一次填完并导出。");
    }
  }

  function load() {
    if (!storage) {
      say("这台设备的浏览器不能保存答案（可能是隐私模式）：请一次填完并导出。");
      return;
    }
    var saved = null;
    try {
      saved = JSON.parse(storage.getItem(storageKey) || "null");
    } catch (e) {
      saved = null;
    }
    if (saved && saved.answers) {
      questions.forEach(function (q) { setValue(q, saved.answers[q.name]); });
      say("已恢复这台设备上保存的答案（" + new Date(saved.saved).toLocaleString("zh-CN") + "）。");
    } else {
      say("答案会自动保存在这台设备上。");
    }
  }

  // --- export: one row in the layout of a KoboToolbox export of the XLSForm -------------------------------
  function cell(text) {
    text = String(text);
    if (/^[=+\-@\t\r]/.test(text)) text = "'" + text; // never a formula when the file is opened in Excel
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function exportValue(q) {
    if (!asked(q)) return "";
    var v = value(q);
    if (Array.isArray(v)) return v.join(" ");
    if (q.kind in TEXT_KINDS) return v.replace(/\s*\r?\n\s*/g, " ");
    return v;
  }

  function csv() {
    var header = ["community", "pilot_year", "form_version"];
    var row = [identity.community, identity.pilot_year, identity.form_version];
    questions.forEach(function (q) {
      header.push(q.column);
      row.push(exportValue(q));
    });
    header.push("_submission_time");
    row.push(new Date().toISOString());
    return "\ufeff" + header.map(cell).join(",") + "\r\n" + row.map(cell).join(",") + "\r\n";
  }

  function checkAll() {
    var found = [];
    questions.forEach(function (q) {
      var text = problem(q);
      showProblem(q, text);
      if (text) found.push({ q: q, text: text });
    });
    summary.textContent = "";
    summary.hidden = found.length === 0;
    if (found.length) {
      var head = document.createElement("p");
      head.textContent = "还有 " + found.length + " 项需要填写或改正，改好后再导出：";
      var list = document.createElement("ul");
      found.forEach(function (f) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = "#q-" + f.q.name;
        var label = f.q.el.querySelector(".sl-q__label").textContent
          .replace(/^\s*\S+\s*/, "")
          .replace(/\s*\*\s*$/, "");
        if (label.length > 18) label = label.slice(0, 17) + "…";
        link.textContent = "第 " + f.q.number + " 项（" + label + "）：" + f.text;
        item.appendChild(link);
        list.appendChild(item);
      });
      summary.appendChild(head);
      summary.appendChild(list);
      summary.focus();
    }
    return found.length === 0;
  }

  function exportFile() {
    if (!checkAll()) return;
    var name = root.getAttribute("data-file-name");
    var blob = new Blob([csv()], { type: "text/csv;charset=utf-8" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    say("已导出“" + name + "”（在浏览器的下载文件夹中）：请把它交县级“预青”专项组。");
  }

  // --- events ---------------------------------------------------------------------------------------------
  form.addEventListener("submit", function (e) {
    e.preventDefault(); // Enter in a field must not reload the page: answers are saved as they are typed
  });
  form.addEventListener("input", function (e) {
    var el = e.target.closest(".sl-q");
    refresh();
    if (el && byName[el.getAttribute("data-name")].el.classList.contains("sl-q--invalid")) {
      showProblem(byName[el.getAttribute("data-name")], problem(byName[el.getAttribute("data-name")]));
    }
    save();
  });
  form.addEventListener("change", function (e) {
    var el = e.target.closest(".sl-q");
    if (e.target.type === "file") {
      var q = byName[e.target.getAttribute("data-names-for")];
      var names = Array.prototype.map.call(e.target.files, function (f) { return f.name; });
      if (names.length) q.inputs[0].value = names.join("、");
      e.target.value = ""; // the files stay on the device; only their names are kept
    }
    refresh();
    if (el) {
      var changed = byName[el.getAttribute("data-name")];
      if (changed) showProblem(changed, problem(changed));
    }
    save();
  });
  document.getElementById("sl-export").addEventListener("click", exportFile);
  document.getElementById("sl-print").addEventListener("click", function () {
    document.documentElement.classList.add("sl-printing");
    window.print();
  });
  window.addEventListener("afterprint", function () {
    document.documentElement.classList.remove("sl-printing");
  });
  document.getElementById("sl-clear").addEventListener("click", function () {
    if (!window.confirm("清空这台设备上保存的全部答案？此操作不能撤销。")) return;
    if (storage) storage.removeItem(storageKey);
    form.reset();
    questions.forEach(function (q) { showProblem(q, null); });
    summary.hidden = true;
    refresh();
    say("已清空。");
  });

  root.classList.add("sl-form--ready");
  load();
  refresh();
})();
