/* kaoping workflows: upload progress and job polling (the pages work without it too). */
(function () {
  "use strict";
  var lang = document.body.getAttribute("data-lang") || "zh";
  var say = {
    zh: { sending: "正在上传", sent: "上传完成，正在开始导入…", failed: "上传失败：" },
    en: { sending: "Uploading", sent: "Uploaded; starting the import…", failed: "Upload failed: " }
  }[lang === "en" ? "en" : "zh"];

  var job = document.getElementById("job");

  /* The upload form: send with XMLHttpRequest to show the upload's progress, then go to
     the job page the server redirected to (XHR follows the 303 itself). */
  var form = document.getElementById("upload-form");
  if (form && window.XMLHttpRequest && window.FormData) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var bar = document.getElementById("upload-progress");
      var status = document.getElementById("upload-status");
      var button = document.getElementById("upload-submit");
      var xhr = new XMLHttpRequest();
      bar.hidden = false;
      button.disabled = true;
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var pct = Math.round(100 * e.loaded / e.total);
          bar.value = pct;
          status.textContent = say.sending + " " + pct + "%";
        }
      });
      xhr.upload.addEventListener("load", function () {
        bar.value = 100;
        status.textContent = say.sent;
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 200 && xhr.responseURL && xhr.responseURL.indexOf("/jobs/") >= 0) {
          window.location.assign(xhr.responseURL);
        } else {
          /* an error page: show it as the browser would have */
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        status.textContent = say.failed + xhr.status;
      });
      xhr.open("POST", form.action);
      xhr.send(new FormData(form));
    });
  }

  /* A job's phase in the page's language: the server records it in English and gives
     the page the words to replace (data-phases). */
  var phase = function (text) {
    var words = JSON.parse((job && job.getAttribute("data-phases")) || "{}");
    Object.keys(words).forEach(function (en) { text = text.split(en).join(words[en]); });
    return text;
  };

  /* A job page: poll its status until it has finished, then show the summary. */
  if (job && job.getAttribute("data-finished") === "no") {
    var id = job.getAttribute("data-job");
    var poll = function () {
      fetch("/api/jobs/" + id, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (j) {
          document.getElementById("job-progress").value = j.percent;
          document.getElementById("job-percent").textContent = j.percent + "%";
          document.getElementById("job-phase").textContent = phase(j.phase || "");
          if (j.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 700);
          }
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 300);
  }
})();
