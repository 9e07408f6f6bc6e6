/* 批量导入进度：逐步提交导入（每步约 2 秒，POST，带 CSRF 令牌），并更新进度条；完成后显示结果链接。
 * Without this script the page's 继续导入 button posts one step at a time. */
(function () {
  "use strict";
  var form = document.getElementById("import-step");
  if (!form || !window.fetch) { return; }
  var bar = document.getElementById("progress");
  var bytes = document.getElementById("progress-bytes");
  var status = document.getElementById("import-status");
  var results = document.getElementById("import-results");
  var token = form.querySelector("[name=csrf_token]").value;
  var failures = 0;
  form.hidden = true;

  function show(job) {
    bar.value = job.offset;
    bytes.textContent = String(job.offset);
    if (job.status === "done") {
      status.textContent = "导入完成：已导入 " + job.imported + " 行，拒绝 " + job.rejected + " 行。";
      results.hidden = false;
    } else {
      status.textContent = "正在导入：已导入 " + job.imported + " 行，拒绝 " + job.rejected + " 行。请保持本页打开。";
    }
  }

  function step() {
    fetch(form.action, {method: "POST", credentials: "same-origin",
                        headers: {"X-CSRFToken": token, "Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (job) {
        failures = 0;
        show(job);
        if (job.status !== "done") { window.setTimeout(step, 200); }
      })
      .catch(function () {
        failures += 1;
        if (failures < 5) { window.setTimeout(step, 2000); return; }
        status.textContent = "导入暂停（网络或服务器错误）。请点击“继续导入”重试。";
        form.hidden = false;
      });
  }
  step();
}());
