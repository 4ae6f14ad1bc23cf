// Parley dashboard: keyboard moderation, actions without reloads, live
// queue updates. Every form also works without this script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var csrf = document.body.dataset.csrf;
  var list = document.getElementById("items");
  var live = document.getElementById("live");
  var keys = document.getElementById("keys");
  var me = (document.querySelector(".me") || {}).firstChild;
  me = me ? me.textContent.trim() : "";
  var cur = null;
  var arrived = 0;
  var armedFlagged = false; // a bulk approval of flagged comments awaits its confirmation

  function say(msg, bad) {
    if (!live) return;
    live.textContent = msg;
    live.classList.toggle("bad", !!bad);
  }
  function items() {
    return list ? Array.prototype.slice.call(list.querySelectorAll("li.item:not(.done)")) : [];
  }
  function select(el) {
    if (cur) cur.classList.remove("current", "rejecting", "confirm-ban", "confirm-rejectpending");
    cur = el || null;
    if (cur) {
      cur.classList.add("current");
      cur.focus({ preventScroll: true });
      cur.scrollIntoView({ block: "nearest" });
    }
  }
  function move(d) {
    var all = items();
    if (!all.length) return select(null);
    var i = all.indexOf(cur);
    i = i < 0 ? 0 : Math.min(all.length - 1, Math.max(0, i + d));
    select(all[i]);
  }
  function setCount(name, n) {
    var el = document.querySelector('[data-count="' + name + '"]');
    if (el && typeof n === "number") el.textContent = n;
  }
  function bump(name, d) {
    var el = document.querySelector('[data-count="' + name + '"]');
    if (el) el.textContent = Math.max(0, parseInt(el.textContent, 10) + d);
  }
  // done takes a decided comment off the list, keeping the cursor in place.
  function done(id, note) {
    var el = document.getElementById("c" + id);
    if (!el || el.classList.contains("done")) return false;
    var all = items();
    var i = all.indexOf(el);
    var wasCur = el === cur;
    el.classList.add("done");
    el.classList.remove("current", "rejecting", "confirm-ban");
    var box = el.querySelector("input.select");
    if (box) { box.checked = false; box.disabled = true; }
    if (note) {
      var p = document.createElement("p");
      p.className = "decided-live";
      p.textContent = note;
      el.insertBefore(p, el.firstChild);
    } else {
      el.remove();
    }
    if (wasCur) {
      var rest = items();
      select(rest[Math.min(i, rest.length - 1)] || null);
    }
    if (!items().length) say("Queue cleared on this page.");
    countSelected();
    return true;
  }
  function post(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    // getAttribute: the bulk form has controls named "action", which shadow form.action.
    return fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf, "X-Requested-With": "parley", Accept: "application/json" },
      body: new URLSearchParams(data)
    }).then(function (res) {
      return res.json().then(function (j) {
        if (res.status === 401) { location.href = "/admin/login?next=" + encodeURIComponent(location.pathname + location.search); }
        if (!res.ok) {
          var msg = j.detail || "Failed.";
          (j.errors || []).forEach(function (e) { msg += " " + e.field + " " + e.message + "."; });
          throw new Error(msg);
        }
        return j;
      });
    });
  }
  // lifecycle handles the forms that say what to tell the moderator
  // (data-done): remove, restore, dismiss reports, decide an appeal, unban,
  // reject every pending comment. data-leave: the comment leaves the list.
  function lifecycle(form, submitter) {
    var li = form.closest(".item");
    return post(form, submitter).then(function (j) {
      (j.rejected || []).forEach(function (rid) { if (done(rid)) bump("pending", -1); });
      if (!li || !li.matches("li")) { location.reload(); return; }
      if (form.hasAttribute("data-leave")) done(li.dataset.id);
      if (form.classList.contains("unban")) form.hidden = true;
      say(form.dataset.done + (form.classList.contains("rejectpending") ? " (" + (j.rejected || []).length + ")" : ""));
    }).catch(function (e) { say(e.message, true); });
  }
  function act(form, submitter) {
    if (form.hasAttribute("data-done")) return lifecycle(form, submitter);
    var li = form.closest("li.item");
    var kind = form.classList.contains("approve") ? "approve" : form.classList.contains("reject") ? "reject"
      : form.classList.contains("ban") ? "ban" : form.classList.contains("trust") ? "trust" : "bulk";
    if (kind === "bulk") return bulk(form, submitter);
    return post(form).then(function (j) {
      var id = li.dataset.id;
      if (kind === "approve" || kind === "reject") {
        done(id);
        bump("pending", -1);
        if (li.dataset.flagged === "true") bump("flagged", -1);
        say((kind === "approve" ? "Approved" : "Rejected") + " comment " + id + ".");
      } else if (kind === "ban") {
        (j.rejected || []).forEach(function (rid) { if (done(rid)) bump("pending", -1); });
        say("Banned the commenter; " + (j.rejected || []).length + " pending comment(s) rejected.");
      } else {
        say(j.standing === "trusted" ? "Trusted the commenter." : "No longer trusting the commenter.");
        var b = form.querySelector("button");
        var to = form.getAttribute("action");
        if (j.standing === "trusted") { form.setAttribute("action", to.replace(/trust$/, "untrust")); b.firstChild.textContent = "Stop trusting "; }
        else { form.setAttribute("action", to.replace(/untrust$/, "trust")); b.firstChild.textContent = "Trust commenter "; }
      }
    }).catch(function (e) { say(e.message, true); });
  }
  function selectedItems() {
    return items().filter(function (li) { var b = li.querySelector("input.select"); return b && b.checked; });
  }
  function countSelected() {
    var el = document.getElementById("selected-count");
    if (el) el.textContent = selectedItems().length + " selected";
  }
  function bulk(form, submitter) {
    var sel = selectedItems();
    if (!sel.length) { say("Select comments first (x).", true); return; }
    var action = submitter ? submitter.value : "approve";
    var flagged = sel.filter(function (li) { return li.dataset.flagged === "true"; }).length;
    var confirmBox = document.getElementById("confirm-flagged");
    if (action === "approve" && flagged && !confirmBox.checked) {
      if (!armedFlagged) {
        // An explicit confirmation: tick "include flagged", or press A again.
        armedFlagged = true;
        say(flagged + " of the selected comments are flagged. Press A again (or tick “include flagged”) to approve them too; Esc cancels.", true);
        return;
      }
      confirmBox.checked = true;
    }
    armedFlagged = false;
    return post(form, submitter).then(function (j) {
      (j.decided || []).forEach(function (id) {
        var li = document.getElementById("c" + id);
        if (li && li.dataset.flagged === "true") bump("flagged", -1);
        if (done(id)) bump("pending", -1);
      });
      confirmBox.checked = false;
      say((action === "approve" ? "Approved " : "Rejected ") + (j.decided || []).length + " comments" +
        ((j.skipped || []).length ? "; " + j.skipped.length + " were already decided." : "."));
    }).catch(function (e) { say(e.message, true); });
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.matches("form.act, form#bulk") || !csrf) return;
    ev.preventDefault();
    act(form, ev.submitter);
  });
  document.addEventListener("change", function (ev) {
    if (ev.target.matches("input.select")) countSelected();
  });
  document.addEventListener("click", function (ev) {
    var li = ev.target.closest && ev.target.closest("li.item");
    if (li && !li.classList.contains("done") && li !== cur) select(li);
  });

  var reasonKeys = { h: "ad_hominem", s: "spam", o: "off_topic", t: "other" };
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "A" && ev.key !== "Shift") armedFlagged = false;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target;
    var typing = t.matches && t.matches("input, textarea, select");
    if (ev.key === "Escape") {
      if (cur) { cur.classList.remove("rejecting", "confirm-ban", "confirm-rejectpending"); var rd = cur.querySelector("details.remove[open]"); if (rd) rd.open = false; select(cur); }
      if (typing) t.blur();
      return;
    }
    if (typing) return;
    if (keys && keys.open) return;
    var k = ev.key;
    if (cur && cur.classList.contains("rejecting") && reasonKeys[k]) {
      var radio = cur.querySelector('input[name="reason"][value="' + reasonKeys[k] + '"]');
      if (radio) {
        radio.checked = true;
        ev.preventDefault();
        // Focus the note once the key is released, so its letter is not typed there.
        noteNext = cur.querySelector('input[name="note"]');
      }
      return;
    }
    switch (k) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "?": if (keys) keys.showModal(); break;
      case "/": var q = document.getElementById("q"); if (q) { q.focus(); ev.preventDefault(); } break;
      case "A": case "R":
        var btn = document.getElementById(k === "A" ? "bulk-approve" : "bulk-reject");
        if (btn) btn.click();
        break;
      default:
        if (!cur) { if ("arbtxdmuopv".indexOf(k) >= 0) move(0); if (!cur) return; }
        if (lifecycleKey(k)) { ev.preventDefault(); break; }
        if (k === "a") { var f = cur.querySelector("form.approve"); if (f) act(f); }
        else if (k === "r") { if (cur.querySelector("form.reject")) { cur.classList.remove("confirm-ban"); cur.classList.add("rejecting"); say("Reject as: h ad hominem, s spam, o off-topic, t other. Esc cancels."); } }
        else if (k === "b") {
          var bf = cur.querySelector("form.ban");
          if (!bf) break;
          if (cur.classList.contains("confirm-ban")) { cur.classList.remove("confirm-ban"); act(bf); }
          else { cur.classList.add("confirm-ban"); say("Press b again to ban this commenter (their pending comments are rejected). Esc cancels."); }
        }
        else if (k === "t") { var tf = cur.querySelector("form.trust"); if (tf) act(tf); }
        else if (k === "x") { var box = cur.querySelector("input.select"); if (box) { box.checked = !box.checked; countSelected(); } }
        else return;
    }
  });

  // lifecycleKey handles the keys of the lifecycle actions on the current
  // comment; false when k is not one of them.
  function lifecycleKey(k) {
    var f;
    switch (k) {
      case "v":
        var raw = cur.querySelector("details.raw");
        if (raw) raw.open = !raw.open;
        return true;
      case "d":
        f = cur.querySelector("form.dismiss");
        if (f) act(f);
        return true;
      case "m":
        var det = cur.querySelector("details.remove");
        if (det) { det.open = true; noteNext = det.querySelector("select"); say("Remove: choose a reason (type its first letter), Tab to the note, Enter removes. Esc cancels."); }
        return true;
      case "u": case "o":
        f = cur.querySelector("form.decide-appeal");
        if (!f) return false;
        act(f, f.querySelector('button[value="' + (k === "u" ? "upheld" : "overturned") + '"]'));
        return true;
      case "p":
        f = cur.querySelector("form.rejectpending");
        if (!f) return true;
        if (cur.classList.contains("confirm-rejectpending")) { cur.classList.remove("confirm-rejectpending"); act(f); }
        else { cur.classList.add("confirm-rejectpending"); say("Press p again to reject every pending comment of this commenter. Esc cancels."); }
        return true;
    }
    return false;
  }

  var noteNext = null;
  document.addEventListener("keyup", function () {
    if (noteNext) { noteNext.focus(); noteNext = null; }
  });

  // The note field: Enter rejects.
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && ev.target.matches('form.reject input[name="note"]')) {
      ev.preventDefault();
      var form = ev.target.form;
      if (!form.querySelector('input[name="reason"]:checked')) { say("Choose a reason: h, s, o or t.", true); return; }
      ev.target.blur();
      act(form);
    }
  });

  if (list && window.EventSource && csrf) {
    var onPending = /\/admin\/queue\/(pending|flagged)/.test(location.pathname);
    var es = new EventSource("/admin/events");
    es.addEventListener("queue", function (m) {
      var e = JSON.parse(m.data);
      if (e.counts) {
        ["pending", "approved", "rejected", "spam"].forEach(function (s) { setCount(s, e.counts[s]); });
        setCount("flagged", e.flagged);
      }
      if (e.kind === "decided") {
        var li = document.getElementById("c" + e.comment_id);
        if (li && !li.classList.contains("done")) {
          // One's own decisions come back too: those just leave the list.
          done(e.comment_id, e.moderator === me ? "" : ({ approved: "Approved", rejected: "Rejected", removed: "Removed", pending: "Held back" }[e.status] || "Changed") + " by " + (e.moderator || "someone") + " just now.");
        }
      } else if ((e.kind === "submitted" || e.kind === "released") && e.status === "pending" && onPending) {
        arrived++;
        live.textContent = "";
        var a = document.createElement("a");
        a.href = location.pathname + location.search;
        a.textContent = arrived + " new comment" + (arrived === 1 ? "" : "s") + " arrived — show them";
        live.appendChild(a);
        live.classList.remove("bad");
      }
    });
  }
  if (list) move(0);
})();
