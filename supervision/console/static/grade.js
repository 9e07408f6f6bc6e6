/* 等级评定表单：提交前按评定政策检查总分与分项是否达到所选等级（服务器仍会再次检查，不达标返回 422）。
 * The thresholds are not written here: the server renders them from the policy the domain applies
 * (`app.grading`, supervision/policy/grading.py) into the form's data-grade-* attributes. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-grade-min]");
  if (!form) { return; }
  var minTotal = JSON.parse(form.getAttribute("data-grade-min"));
  var maxTotal = parseInt(form.getAttribute("data-grade-max"), 10);
  var partMax = JSON.parse(form.getAttribute("data-grade-parts"));
  var partShare = JSON.parse(form.getAttribute("data-grade-shares"));
  var words = {"1": "一级", "2": "二级", "3": "三级", "4": "四级", "5": "五级"};
  var level = form.querySelector("[name=level]");
  var score = form.querySelector("[name=score]");
  var parts = form.querySelector("[name=parts]");
  if (!level || !score) { return; }
  var note = document.createElement("p");
  note.id = "grade-check";
  note.className = "field-error";
  note.setAttribute("aria-live", "polite");
  score.parentNode.appendChild(note);

  function problems() {
    var out = [];
    var lv = String(level.value).trim();
    var sc = String(score.value).trim();
    if (!/^[1-5]$/.test(lv) || !/^[0-9]+$/.test(sc)) { return out; }
    var total = parseInt(sc, 10);
    if (total > maxTotal) {
      out.push("总分应在 0–" + maxTotal + " 之间");
    } else if (total < minTotal[lv]) {
      out.push(words[lv] + "需要总分至少 " + minTotal[lv] + " 分，当前 " + total + " 分");
    }
    if (parts && parts.value.trim()) {
      var given;
      try { given = JSON.parse(parts.value); } catch (e) { return out; }
      if (given && typeof given === "object" && !Array.isArray(given)) {
        Object.keys(given).forEach(function (name) {
          var got = given[name];
          if (!(name in partMax) || typeof got !== "number") { return; }
          var needed = partShare[lv] * partMax[name];
          if (got < needed) { out.push(words[lv] + "需要分项 " + name + " ≥ " + Math.round(needed * 100) / 100 + " 分，当前 " + got + " 分"); }
        });
      }
    }
    return out;
  }

  function mark(list) {
    note.textContent = list.length ? "提交前检查：" + list.join("；") + "。" : "";
    [level, score].forEach(function (input) {
      var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(function (x) {
        return x && x !== "grade-check";
      });
      if (list.length) {
        input.setAttribute("aria-invalid", "true");
        ids.push("grade-check");
      } else if (!input.parentNode.classList.contains("invalid")) {
        input.removeAttribute("aria-invalid");
      }
      if (ids.length) { input.setAttribute("aria-describedby", ids.join(" ")); }
      else { input.removeAttribute("aria-describedby"); }
    });
  }

  function onChange() { mark(problems()); }
  level.addEventListener("change", onChange);
  level.addEventListener("input", onChange);
  score.addEventListener("input", onChange);
  if (parts) { parts.addEventListener("input", onChange); }
  form.addEventListener("submit", function (event) {
    var list = problems();
    mark(list);
    if (list.length) {
      event.preventDefault();
      score.focus();
    }
  });
}());
