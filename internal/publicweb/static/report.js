// Photo upload for the report and tracking pages: each chosen photo goes up through the public
// upload door (POST /api/fs/blobs/public/uploads, then PATCH chunks), with a progress bar, and
// resumes from the server's offset when a weak connection drops. The form itself works
// without this script; it only adds hidden "photo" fields holding the stored photos' ids.
(function () {
  "use strict";
  var CHUNK = 256 * 1024, TRIES = 8;
  var zh = document.documentElement.lang !== "en";
  var say = {
    pick: zh ? "拍照或选择照片" : "Take or choose photos",
    done: zh ? "已上传" : "uploaded",
    fail: zh ? "上传失败，请重试" : "upload failed; try again",
    many: zh ? "照片太多" : "too many photos",
    wait: zh ? "上传中，请稍候" : "uploading, please wait"
  };

  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  // send PATCHes the file from offset on, asking the server where it is after each failure.
  async function send(url, file, device, progress) {
    var offset = 0;
    for (var tries = 0; tries < TRIES;) {
      try {
        var res = await fetch(url, { method: "PATCH", body: file.slice(offset, offset + CHUNK),
          headers: { "Upload-Offset": String(offset), "Tus-Resumable": "1.0.0", "X-Fieldsync-Device": device,
            "Content-Type": "application/offset+octet-stream" } });
        if (res.status === 200) { progress.value = file.size; return (await res.json()).photo; }
        if (res.status === 204) { offset = Number(res.headers.get("Upload-Offset")); progress.value = offset; continue; }
        if (res.status >= 400 && res.status < 500 && res.status !== 409) throw new Error("refused " + res.status);
      } catch (e) {
        if (String(e.message).indexOf("refused") === 0) throw e;
      }
      tries++;
      await sleep(1000 * tries);
      try {
        var head = await fetch(url, { method: "HEAD", headers: { "X-Fieldsync-Device": device } });
        if (head.ok) offset = Number(head.headers.get("Upload-Offset"));
      } catch (e) { /* still offline: try again */ }
    }
    throw new Error("gave up");
  }

  async function upload(file, box, form) {
    var device = (form.querySelector("[name=device]") || {}).value || "";
    var li = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = file.name + " ";
    var progress = document.createElement("progress");
    progress.max = file.size; progress.value = 0;
    progress.setAttribute("aria-label", file.name);
    li.appendChild(label); li.appendChild(progress);
    box.list.appendChild(li);
    box.pending++;
    try {
      var sha = hex(await crypto.subtle.digest("SHA-256", await file.arrayBuffer()));
      var res = await fetch("/api/fs/blobs/public/uploads", { method: "POST",
        headers: { "Content-Type": "application/json", "X-Fieldsync-Device": device },
        body: JSON.stringify({ sha256: sha, size: file.size, mime: file.type || "image/jpeg", subdistrict: box.el.dataset.subdistrict }) });
      if (!res.ok) throw new Error("announce " + res.status);
      var up = await res.json();
      var photo = await send(res.headers.get("Location") || "/api/fs/blobs/uploads/" + up.id, file, device, progress);
      var input = document.createElement("input");
      input.type = "hidden"; input.name = "photo"; input.value = photo;
      form.appendChild(input);
      label.textContent = file.name + " · " + say.done;
    } catch (e) {
      label.textContent = file.name + " · " + say.fail;
      li.className = "error";
    } finally {
      box.pending--;
    }
  }

  document.querySelectorAll("[data-photos]").forEach(function (el, i) {
    var form = el.closest("form");
    var max = Number(el.dataset.max || 6);
    el.querySelectorAll(".nojs").forEach(function (n) { n.remove(); });
    var label = document.createElement("label");
    label.className = "btn";
    label.htmlFor = "photo-input-" + i;
    label.textContent = say.pick;
    var input = document.createElement("input");
    input.type = "file"; input.accept = "image/*"; input.multiple = true; input.id = "photo-input-" + i;
    input.className = "visually-hidden";
    var list = document.createElement("ul");
    list.className = "uploads"; list.setAttribute("aria-live", "polite");
    el.appendChild(label); el.appendChild(input); el.appendChild(list);
    var box = { el: el, list: list, pending: 0, count: 0 };
    input.addEventListener("change", function () {
      Array.prototype.forEach.call(input.files, function (f) {
        if (box.count >= max) { list.insertAdjacentHTML("beforeend", "<li class=error></li>"); list.lastChild.textContent = say.many; return; }
        box.count++;
        upload(f, box, form);
      });
      input.value = "";
    });
    form.addEventListener("submit", function (ev) {
      if (box.pending > 0) { ev.preventDefault(); alert(say.wait); return; }
      var b = form.querySelector("button[type=submit]");
      setTimeout(function () { if (b) b.disabled = true; }, 0); // a double tap sends once; the key covers a retry
    });
  });
})();
