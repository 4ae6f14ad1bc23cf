/* Parley comment widget. Plain JavaScript, no framework, no build step.
   Served by the Parley server; talks only to the server it came from. */
(function () {
  "use strict";
  var perf = window.performance;
  function mark(n) { try { perf.mark(n); } catch (e) { } }
  mark("parley:script-start");

  var script = document.currentScript;
  var SRC = script ? script.src : "";
  if (!SRC) {
    var all = document.querySelectorAll("script[src]");
    for (var i = 0; i < all.length; i++) if (/\/(widget\/)?embed(\.[0-9a-f]+)?\.js(\?|$)/.test(all[i].src)) SRC = all[i].src;
  }
  var BASE = new URL(SRC || "/", location.href).origin;
  // The server replaces this placeholder with embed.css (see widget.go).
  var CSS = "/*PARLEY_CSS*/";
  var MAX_DEPTH = 4;
  var SAVE_KEY = "parley:me";
  // KEY_PREFIX + site holds the key that a clicked verification link proves
  // (sent with each comment, so that trust follows the proven writer).
  var KEY_PREFIX = "parley:key:";

  // Every string the reader sees, in one place.
  var STRINGS = {
    en: {
      heading: "Share your point of view",
      notice: "Your comment will be posted pending moderator approval. No ad hominem attacks will be posted.",
      noticePost: "Your comment appears at once; moderators may remove it. No ad hominem attacks will be posted.",
      picks: "Editors' picks",
      staff: "Staff",
      emailNotice: "Your email address will not be published.",
      requiredNotice: "Required fields are marked *",
      name: "Name", email: "Email", website: "Website", body: "Comment",
      save: "Save my name and email in this browser for the next time I comment",
      send: "Post comment", sending: "Sending…",
      required: "is required", badEmail: "must be a valid email address, like name@example.com",
      badURL: "must be an http or https address",
      fix: function (n) { return n === 1 ? "Please fix the field marked below." : "Please fix the " + n + " fields marked below."; },
      failed: "Your comment could not be sent. Check your connection and try again.",
      warnTitle: "This may read as a personal attack",
      warnText: "Criticise ideas, not people. These words stood out:",
      why: "Why: ", whys: {},
      rephrase: "Rephrase", sendAnyway: "Send anyway",
      pending: "Awaiting moderation", published: "Published",
      rejected: "Not published", dismiss: "Dismiss",
      count: function (n) { return n === 0 ? "No comments yet" : n === 1 ? "1 comment" : n + " comments"; },
      thread: "Comments",
      oldest: "Oldest first", newest: "Newest first", featured: "Featured first", sort: "Sort comments",
      reply: "Reply", cancel: "Cancel reply", replyingTo: "Replying to ", inReplyTo: "in reply to ",
      more: "Load more comments", loadFailed: "Comments could not be loaded.",
      closed: "Comments are closed for this article.",
      yours: "Your comment",
      edit: "Edit", editLabel: "Edit your comment", saveEdit: "Save changes", cancel2: "Cancel",
      del: "Delete", confirmDelete: "Delete this comment? This cannot be undone.", keep: "Keep it", deleted: "Your comment was deleted.",
      report: "Report", reportWhy: "Why are you reporting this comment?",
      reasons: { personal_attack: "It attacks a person", spam: "Spam or advertising", off_topic: "Off topic", illegal: "Illegal content" },
      dsa: "A report of illegal content is a notice under the EU Digital Services Act (Article 16). Explain why you believe this comment is illegal, and give your name and email address so that the newsroom can reach you. Your email address is never published, and the commenter is not told who reported them.",
      explanation: "Why is it illegal?", reporterName: "Your name", reporterEmail: "Your email",
      goodFaith: "I confirm in good faith that the information and allegations in this report are accurate and complete.",
      sendReport: "Send report", reportedThanks: "Thank you. A moderator will look at this comment.",
      chooseReason: "Choose a reason.",
      appeal: "Appeal", appealLabel: "Why should the decision change?", sendAppeal: "Send appeal",
      appealStatus: { waiting: "Your appeal awaits a moderator.", upheld: "Your appeal was considered; the decision stands.", overturned: "Your appeal succeeded: the comment is published." },
      removedTomb: "Removed by a moderator", deletedTomb: "Deleted by its author",
      notifyLegend: "Email me (optional)", notifyDecision: "when my comment is published, or why it was not", notifyReplies: "when someone replies to my comment"
    },
    fr: {
      heading: "Donnez votre point de vue",
      notice: "Votre commentaire sera publié après validation par un modérateur. Aucune attaque ad hominem ne sera publiée.",
      noticePost: "Votre commentaire paraît aussitôt ; les modérateurs peuvent le retirer. Aucune attaque ad hominem ne sera publiée.",
      picks: "Choix de la rédaction",
      staff: "Rédaction",
      emailNotice: "Votre adresse e-mail ne sera pas publiée.",
      requiredNotice: "Les champs obligatoires sont marqués *",
      name: "Nom", email: "E-mail", website: "Site web", body: "Commentaire",
      save: "Enregistrer mon nom et mon e-mail dans ce navigateur pour mon prochain commentaire",
      send: "Publier le commentaire", sending: "Envoi…",
      required: "est obligatoire", badEmail: "doit être une adresse e-mail valide, comme nom@exemple.fr",
      badURL: "doit être une adresse http ou https",
      fix: function (n) { return n === 1 ? "Corrigez le champ signalé ci-dessous." : "Corrigez les " + n + " champs signalés ci-dessous."; },
      failed: "Votre commentaire n’a pas pu être envoyé. Vérifiez votre connexion et réessayez.",
      warnTitle: "Ce texte peut passer pour une attaque personnelle",
      warnText: "Critiquez les idées, pas les personnes. Ces mots ressortent :",
      why: "Pourquoi : ",
      whys: {
        "insult aimed at the person replied to": "insulte visant la personne à qui vous répondez",
        "insult aimed at the person addressed": "insulte visant la personne interpellée",
        "insult aimed at the article's author": "insulte visant l’auteur de l’article",
        "insult aimed at a person named in the comment": "insulte visant une personne nommée dans le commentaire",
        "slur about a group": "propos injurieux envers un groupe",
        "profanity, no target": "grossièretés, sans cible",
        "hostile words, no clear target": "mots hostiles, sans cible précise"
      },
      rephrase: "Reformuler", sendAnyway: "Envoyer quand même",
      pending: "En attente de modération", published: "Publié",
      rejected: "Non publié", dismiss: "Masquer",
      count: function (n) { return n === 0 ? "Aucun commentaire" : n === 1 ? "1 commentaire" : n + " commentaires"; },
      thread: "Commentaires",
      oldest: "Plus anciens d’abord", newest: "Plus récents d’abord", featured: "Choix de la rédaction d’abord", sort: "Trier les commentaires",
      reply: "Répondre", cancel: "Annuler la réponse", replyingTo: "En réponse à ", inReplyTo: "en réponse à ",
      more: "Afficher plus de commentaires", loadFailed: "Les commentaires n’ont pas pu être chargés.",
      closed: "Les commentaires sont fermés pour cet article.",
      yours: "Votre commentaire",
      edit: "Modifier", editLabel: "Modifier votre commentaire", saveEdit: "Enregistrer", cancel2: "Annuler",
      del: "Supprimer", confirmDelete: "Supprimer ce commentaire ? C’est définitif.", keep: "Le garder", deleted: "Votre commentaire a été supprimé.",
      report: "Signaler", reportWhy: "Pourquoi signalez-vous ce commentaire ?",
      reasons: { personal_attack: "Il attaque une personne", spam: "Spam ou publicité", off_topic: "Hors sujet", illegal: "Contenu illicite" },
      dsa: "Le signalement d’un contenu illicite est une notification au sens du règlement européen sur les services numériques (article 16). Expliquez pourquoi ce commentaire vous semble illicite et donnez votre nom et votre adresse e-mail pour que la rédaction puisse vous joindre. Votre adresse n’est jamais publiée et l’auteur ne saura pas qui l’a signalé.",
      explanation: "Pourquoi est-il illicite ?", reporterName: "Votre nom", reporterEmail: "Votre e-mail",
      goodFaith: "Je confirme de bonne foi que les informations et allégations de ce signalement sont exactes et complètes.",
      sendReport: "Envoyer le signalement", reportedThanks: "Merci. Un modérateur examinera ce commentaire.",
      chooseReason: "Choisissez un motif.",
      appeal: "Contester", appealLabel: "Pourquoi la décision devrait-elle changer ?", sendAppeal: "Envoyer la contestation",
      appealStatus: { waiting: "Votre contestation attend un modérateur.", upheld: "Votre contestation a été examinée ; la décision est maintenue.", overturned: "Votre contestation a abouti : le commentaire est publié." },
      removedTomb: "Retiré par un modérateur", deletedTomb: "Supprimé par son auteur",
      notifyLegend: "Me prévenir par e-mail (facultatif)", notifyDecision: "quand mon commentaire est publié, ou pourquoi il ne l’est pas", notifyReplies: "quand quelqu’un répond à mon commentaire"
    }
  };

  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) {
      var v = attrs[k];
      if (v == null || v === false) continue;
      if (k === "text") e.textContent = v;
      else if (k.slice(0, 2) === "on") e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : v);
    }
    (kids || []).forEach(function (c) { if (c) e.append(c); });
    return e;
  }

  // safeHref returns an http(s) URL or null: nothing else becomes a link.
  function safeHref(s) {
    try { var u = new URL(s); return u.protocol === "http:" || u.protocol === "https:" ? u.href : null; } catch (e) { return null; }
  }

  function store(k, v) {
    try { if (v == null) localStorage.removeItem(k); else localStorage.setItem(k, JSON.stringify(v)); } catch (e) { }
  }
  function load(k) { try { return JSON.parse(localStorage.getItem(k)); } catch (e) { return null; } }

  // utf16At converts a UTF-8 byte offset into s to a JavaScript string index.
  function utf16At(s, bytes) {
    var b = new TextEncoder().encode(s).slice(0, bytes);
    return new TextDecoder().decode(b).length;
  }

  function api(method, path, body) {
    return fetch(BASE + path, {
      method: method, credentials: "omit", cache: "no-cache",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, ok: r.ok, json: j }; });
    });
  }

  var widgetN = 0;

  // notifyBoxes are the form's email opt-ins, each off until ticked: a
  // fieldset of two checkboxes whose values() travel as "notify".
  function notifyBoxes(T, uid) {
    var boxes = [["decision", T.notifyDecision], ["replies", T.notifyReplies]].map(function (o) {
      var input = el("input", { type: "checkbox", id: uid + "notify-" + o[0], name: "notify", value: o[0] });
      return { input: input, node: el("div", { "class": "save notify-" + o[0] }, [input, el("label", { "for": input.id, text: o[1] })]) };
    });
    return {
      node: el("fieldset", { "class": "notify" }, [el("legend", { text: T.notifyLegend })].concat(boxes.map(function (b) { return b.node; }))),
      values: function () { return boxes.filter(function (b) { return b.input.checked; }).map(function (b) { return b.input.value; }); }
    };
  }

  function Widget(host) {
    var d = host.dataset;
    var lang = (d.lang || (host.closest("[lang]") || {}).lang || document.documentElement.lang || "en").toLowerCase().split("-")[0];
    var T = STRINGS[lang] || STRINGS.en;
    var locale = STRINGS[lang] ? (d.lang || document.documentElement.lang || lang) : "en";
    // One article, one thread: the page's canonical URL when it names one.
    var canon = document.querySelector('link[rel="canonical"][href]');
    var site = d.site, url = d.url || (canon && canon.href) || location.href.split("#")[0], title = d.title || document.title;
    var ownKey = "parley:own:" + site + ":" + url;
    var uid = "p" + (++widgetN) + "-";
    var root = host.attachShadow({ mode: "open" });
    var sort = "", next = null, parentID = null, checkable = true, confirmed = false;
    var dateFmt;
    try { dateFmt = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }); } catch (e) { dateFmt = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" }); }

    root.append(el("style", { text: CSS }));

    // The form.
    var fields = {};
    // field makes a labelled input whose description is its error message
    // (and notice, when it has one).
    function field(name, type, req, extra, notice) {
      var id = uid + name, errID = id + "-err";
      var input = type === "textarea" ? el("textarea", { id: id, name: name, rows: 6 }) : el("input", { id: id, name: name, type: type });
      if (req) { input.required = true; input.setAttribute("aria-required", "true"); }
      for (var k in extra) input.setAttribute(k, extra[k]);
      var err = el("p", { id: errID, "class": "err", hidden: true });
      input.setAttribute("aria-describedby", notice ? errID + " " + notice : errID);
      fields[name] = { input: input, err: err, label: T[name] };
      return el("div", { "class": "field field-" + name }, [
        el("label", { "for": id }, [T[name], req ? el("span", { "class": "req", "aria-hidden": "true", text: " *" }) : null]),
        input, err
      ]);
    }
    var emailNoticeID = uid + "email-notice";
    // The form's promise follows the article's moderation mode (promiseFor).
    var promise = el("span", { "class": "promise", text: T.notice });
    var status = el("div", { "class": "status", role: "alert" });
    var warn = el("div", { "class": "warn", hidden: true, role: "alertdialog", "aria-labelledby": uid + "warn-title", "aria-describedby": uid + "warn-text" });
    var sendBtn = el("button", { type: "submit", "class": "send", text: T.send });
    var saveBox = el("input", { type: "checkbox", id: uid + "save", name: "save" });
    var replying = el("p", { "class": "replying", hidden: true });
    var notify = notifyBoxes(T, uid);
    var form = el("form", { "class": "form", novalidate: true, "aria-labelledby": uid + "heading", onsubmit: onSubmit }, [
      el("h2", { id: uid + "heading", text: T.heading }),
      replying,
      el("p", { "class": "notice" }, [promise, " ", el("span", { id: emailNoticeID, text: T.emailNotice }), " " + T.requiredNotice]),
      field("name", "text", true, { autocomplete: "name", maxlength: "80" }),
      field("email", "email", true, { autocomplete: "email" }, emailNoticeID),
      field("website", "url", false, { autocomplete: "url", placeholder: "https://" }),
      field("body", "textarea", true, { maxlength: "10000" }),
      el("div", { "class": "hp", "aria-hidden": "true" }, [
        el("label", { "for": uid + "homepage", text: "Homepage" }),
        el("input", { id: uid + "homepage", name: "homepage", type: "text", tabindex: "-1", autocomplete: "off" })
      ]),
      el("div", { "class": "save" }, [saveBox, el("label", { "for": uid + "save", text: T.save })]),
      notify.node,
      warn, status,
      el("div", { "class": "actions" }, [sendBtn])
    ]);
    var formSlot = el("div", { "class": "form-slot" }, [form]);

    // The thread.
    var countH = el("h2", { id: uid + "count", text: T.thread });
    var sortSel = el("select", { id: uid + "sort", onchange: function () { sort = sortSel.value; loadThread(false); } }, [
      el("option", { value: "oldest", text: T.oldest }), el("option", { value: "newest", text: T.newest }), el("option", { value: "featured", text: T.featured })
    ]);
    var list = el("ol", { "class": "thread" });
    var moreBtn = el("button", { type: "button", "class": "more", hidden: true, text: T.more, onclick: function () { loadThread(true); } });
    var threadMsg = el("p", { "class": "thread-msg", role: "status" });
    var announce = el("p", { "class": "vh", role: "status" });
    var own = el("ol", { "class": "thread own" });
    var thread = el("section", { "class": "comments", "aria-labelledby": uid + "count" }, [
      el("div", { "class": "bar" }, [countH, el("label", { "class": "sort" }, [el("span", { "class": "vh", text: T.sort }), sortSel])]),
      own, list, threadMsg, moreBtn, announce
    ]);
    root.append(el("div", { "class": "parley", lang: locale }, [formSlot, thread]));
    mark("parley:form");
    requestAnimationFrame(function () { setTimeout(function () { mark("parley:form-painted"); }); });

    var saved = load(SAVE_KEY);
    if (saved) {
      fields.name.input.value = saved.name || "";
      fields.email.input.value = saved.email || "";
      fields.website.input.value = saved.website || "";
      saveBox.checked = true;
    }
    fields.body.input.addEventListener("input", function () { confirmed = false; hideWarn(); });

    function setError(name, msg) {
      var f = fields[name];
      if (!f) return false;
      f.err.textContent = f.label + " " + msg;
      f.err.hidden = false;
      f.input.setAttribute("aria-invalid", "true");
      return true;
    }
    function clearErrors() {
      for (var k in fields) { fields[k].err.hidden = true; fields[k].err.textContent = ""; fields[k].input.removeAttribute("aria-invalid"); }
      status.textContent = "";
    }
    function showErrors(errs, detail) {
      var first = null, n = 0;
      ["name", "email", "website", "body"].forEach(function (k) {
        errs.forEach(function (e) {
          if (e.field === k && !fields[k].input.hasAttribute("aria-invalid")) { setError(k, e.message); n++; first = first || fields[k].input; }
        });
      });
      status.textContent = n ? T.fix(n) : (detail || T.failed);
      if (first) first.focus();
    }
    function values() {
      var v = {};
      ["name", "email", "website", "body"].forEach(function (k) { v[k] = fields[k].input.value; });
      v.homepage = form.elements.homepage.value;
      return v;
    }
    function localErrors(v) {
      var errs = [];
      if (!sso.on && !v.name.trim()) errs.push({ field: "name", message: T.required });
      if (sso.on) { /* the token names the reader */ }
      else if (!v.email.trim()) errs.push({ field: "email", message: T.required });
      else if (!/^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/.test(v.email.trim())) errs.push({ field: "email", message: T.badEmail });
      if (v.website.trim() && !safeHref(v.website.trim())) errs.push({ field: "website", message: T.badURL });
      if (!v.body.trim()) errs.push({ field: "body", message: T.required });
      return errs;
    }

    function hideWarn() { warn.hidden = true; warn.textContent = ""; sendBtn.hidden = false; }
    function showWarn(body, spans, why) {
      var text = el("p", { "class": "quote" }), at = 0;
      spans.map(function (s) { return [utf16At(body, s.start), utf16At(body, s.end)]; })
        .sort(function (a, b) { return a[0] - b[0]; })
        .forEach(function (s) {
          if (s[0] < at) return;
          text.append(body.slice(at, s[0]), el("mark", { text: body.slice(s[0], s[1]) }));
          at = s[1];
        });
      text.append(body.slice(at));
      warn.textContent = "";
      warn.append(
        el("h3", { id: uid + "warn-title", text: T.warnTitle }),
        el("p", { id: uid + "warn-text", text: T.warnText }), text,
        why ? el("p", { "class": "why", text: T.why + (T.whys[why] || why) }) : "",
        el("div", { "class": "actions" }, [
          el("button", { type: "button", text: T.rephrase, onclick: function () { hideWarn(); fields.body.input.focus(); } }),
          el("button", { type: "button", "class": "anyway", text: T.sendAnyway, onclick: function () { confirmed = true; hideWarn(); send(); } })
        ]));
      warn.hidden = false;
      sendBtn.hidden = true; // the warning's own buttons decide now
      warn.querySelector("button").focus();
    }

    function onSubmit(ev) {
      ev.preventDefault();
      clearErrors();
      var v = values(), errs = localErrors(v);
      if (errs.length) return showErrors(errs);
      if (confirmed || !checkable) return send();
      sendBtn.disabled = true;
      var check = { body: v.body, site: site };
      if (parentID) check.parent_id = parentID;
      api("POST", "/api/v1/check", check).then(function (r) {
        sendBtn.disabled = false;
        if (r.status === 404 || r.status === 405) checkable = false;
        if (r.ok && r.json.flagged) return showWarn(v.body, r.json.spans || [], r.json.why);
        send();
      }, function () { sendBtn.disabled = false; send(); });
    }

    function sendNow() {
      var v = values();
      if (sso.on) { v.name = sso.name; v.email = ""; }
      var req = { site: site, article_url: url, article_title: title, name: v.name, email: v.email.trim(), website: v.website.trim(), body: v.body, homepage: v.homepage };
      if (sso.on) req.sso_token = sso.token;
      var ckey = load(KEY_PREFIX + site);
      if (ckey && !sso.on) req.commenter_key = ckey;
      if (parentID) req.parent_id = parentID;
      var asked = notify.values();
      if (asked.length) { req.notify = asked; req.lang = lang; }
      sendBtn.disabled = true;
      sendBtn.textContent = T.sending;
      api("POST", "/api/v1/comments", req).then(function (r) {
        sendBtn.disabled = false;
        sendBtn.textContent = T.send;
        if (r.status === 401 && ssoRefused(r.json)) return;
        if (!r.ok) return showErrors(r.json.errors || [], r.json.detail);
        if (!sso.on) store(SAVE_KEY, saveBox.checked ? { name: v.name, email: v.email.trim(), website: v.website.trim() } : null);
        if (r.json.commenter_key) store(KEY_PREFIX + site, r.json.commenter_key);
        var mine = load(ownKey) || [];
        mine.push({ id: r.json.id, token: r.json.edit_token });
        store(ownKey, mine);
        var c = { id: r.json.id, parent_id: parentID, author: { name: v.name, website: req.website }, status: r.json.status || "pending", message: r.json.message, body: v.body, can_edit: true };
        fields.body.input.value = "";
        confirmed = false;
        var node = placeOwn(c, null);
        closeReply();
        status.textContent = r.json.message || "";
        node.querySelector(".body").textContent = v.body;
        node.scrollIntoView({ block: "nearest" });
      }, function () {
        sendBtn.disabled = false;
        sendBtn.textContent = T.send;
        status.textContent = T.failed;
      });
    }

    function openReply(c, li) {
      parentID = c.id;
      replying.textContent = "";
      replying.append(T.replyingTo, el("bdi", { text: c.author.name }), " · ", el("button", { type: "button", "class": "link", text: T.cancel, onclick: closeReply }));
      replying.hidden = false;
      li.querySelector(":scope > article").after(form);
      fields.body.input.focus();
    }
    function closeReply() {
      if (!parentID) return;
      parentID = null;
      replying.hidden = true;
      formSlot.append(form);
    }

    function fmtTime(iso) {
      var t = new Date(iso);
      return isNaN(t) ? "" : dateFmt.format(t);
    }

    // renderComment builds one comment and all its replies. It walks the
    // tree with a stack of its own, not by recursion, and nests the page's
    // lists at most MAX_DEPTH deep: a deeper reply follows its parent in the
    // same list, saying whom it answers. A chain of thousands of replies can
    // neither overflow the call stack nor build a page too deep to lay out.
    function renderComment(top, depth0) {
      var first = renderOne(top, depth0, "");
      var stack = [];
      function pushReplies(c, li, depth, target) {
        var ol = li.querySelector(":scope > ol") || target;
        var flat = ol === target;
        var rs = c.replies || [];
        if (!ol) return;
        for (var i = rs.length - 1; i >= 0; i--) stack.push([rs[i], depth + 1, ol, flat && c.author ? c.author.name : ""]);
      }
      pushReplies(top, first, depth0, null);
      while (stack.length) {
        var it = stack.pop();
        var li = renderOne(it[0], it[1], it[3]);
        it[2].append(li);
        pushReplies(it[0], li, it[1], it[2]);
      }
      return first;
    }

    // renderOne builds one comment (or the tombstone of a removed or deleted
    // one), with a list for its replies unless it is MAX_DEPTH deep.
    function renderOne(c, depth, answers) {
      var li = el("li", { id: uid + "c" + c.id, "data-id": c.id });
      li.append(c.removed || c.deleted ? tombstone(c) : commentArticle(c, li, answers));
      if (depth < MAX_DEPTH) li.append(el("ol", { "class": "replies" }));
      return li;
    }

    // commentArticle builds one comment without its replies. Every name and
    // body is isolated (dir=auto), so right-to-left text cannot reorder
    // what stands beside it.
    function commentArticle(c, li, answers) {
      var href = c.author.website ? safeHref(c.author.website) : null;
      var who = href ? el("a", { href: href, rel: "nofollow ugc noopener", "class": "author", dir: "auto", text: c.author.name })
        : el("span", { "class": "author", dir: "auto", text: c.author.name });
      var body = el("div", { "class": "body", dir: "auto" });
      if (c.html != null) body.innerHTML = c.html;
      var foot = el("footer");
      var art = el("article", { "aria-label": c.author.name }, [
        el("header", {}, [who, staffBadge(c), " ", el("time", { datetime: c.created_at || "", text: c.created_at ? fmtTime(c.created_at) : "" }),
          answers ? el("span", { "class": "to", text: " · " + T.inReplyTo + answers }) : null]),
        body, foot
      ]);
      if (c.status) {
        art.classList.add("mine");
        var gone = c.status === "rejected" || c.status === "removed";
        foot.append(el("p", { "class": "badge " + c.status, text: c.status === "pending" ? T.pending : c.status === "approved" ? T.published : T.rejected + (c.message ? ": " + c.message : "") }));
        if (gone) appealControls(c, art, foot);
        else ownControls(c, li, art, foot);
        if (gone) foot.append(el("button", { type: "button", "class": "link", text: T.dismiss, onclick: function () { forget(c.id); li.remove(); } }));
      } else {
        if (!closed) foot.append(el("button", { type: "button", "class": "link reply", text: T.reply, "aria-label": T.reply + " – " + c.author.name, onclick: function () { openReply(c, li); } }));
        reportControl(c, li, art, foot);
      }
      return art;
    }

    // tombstone keeps the place of a removed or deleted comment whose
    // replies are still published.
    function tombstone(c) {
      return el("article", { "class": "tombstone" }, [el("p", { text: c.removed ? T.removedTomb : T.deletedTomb })]);
    }

    function tokenOf(id) {
      var m = (load(ownKey) || []).filter(function (m) { return m.id === id; })[0];
      return m ? m.token : null;
    }
    function ownPath(id, tail) { return "/api/v1/comments/" + id + (tail || "") + "?token=" + encodeURIComponent(tokenOf(id)); }

    // inlineField makes a labelled text field with its error line.
    function inlineField(id, label, type, attrs) {
      var input = type === "textarea" ? el("textarea", { id: id, rows: 4, dir: "auto" }) : el("input", { id: id, type: type });
      for (var k in attrs || {}) input.setAttribute(k, attrs[k]);
      var err = el("p", { id: id + "-err", "class": "err", hidden: true });
      input.setAttribute("aria-describedby", id + "-err");
      return { input: input, err: err, box: el("div", { "class": "field" }, [el("label", { "for": id, text: label }), input, err]) };
    }
    // fieldErrors shows a problem's field errors beside their fields (a map
    // from field name to inlineField), else its detail in status.
    function fieldErrors(r, byField, status) {
      var first = null;
      for (var k in byField) { byField[k].err.hidden = true; byField[k].input.removeAttribute("aria-invalid"); }
      ((r.json && r.json.errors) || []).forEach(function (e) {
        var f = byField[e.field];
        if (!f) return;
        f.err.textContent = (f.label || "") + e.message;
        f.err.hidden = false;
        f.input.setAttribute("aria-invalid", "true");
        first = first || f.input;
      });
      status.textContent = first ? "" : ((r.json && r.json.detail) || T.failed);
      if (first) first.focus();
    }

    // ownControls offers Edit (while the server allows it) and Delete on
    // the reader's own comment.
    function ownControls(c, li, art, foot) {
      if (!tokenOf(c.id)) return;
      var note = el("p", { "class": "own-msg", role: "status" });
      var editBtn = c.can_edit ? el("button", { type: "button", "class": "link edit", text: T.edit, onclick: startEdit }) : null;
      var delBtn = el("button", { type: "button", "class": "link delete", text: T.del, onclick: askDelete });
      foot.append(editBtn || "", delBtn, note);
      function startEdit() {
        var body = art.querySelector(".body");
        var f = inlineField(uid + "edit" + c.id, T.editLabel, "textarea", { maxlength: "10000" });
        f.label = T.body + " ";
        f.input.value = c.body || body.textContent;
        var status = el("p", { "class": "err-msg", role: "alert" });
        var form = el("form", { "class": "edit", novalidate: true, onsubmit: function (ev) {
          ev.preventDefault();
          api("PATCH", ownPath(c.id), { body: f.input.value }).then(function (r) {
            if (!r.ok) return fieldErrors(r, { body: f }, status);
            c.body = f.input.value;
            if (!r.json.pending_edit) body.innerHTML = r.json.html;
            c.can_edit = r.json.can_edit;
            close();
            note.textContent = r.json.message || "";
            if (!c.can_edit && editBtn) editBtn.remove();
          }, function () { status.textContent = T.failed; });
        } }, [f.box, status, el("div", { "class": "actions" }, [
          el("button", { type: "submit", "class": "send", text: T.saveEdit }),
          el("button", { type: "button", text: T.cancel2, onclick: close })])]);
        function close() { form.remove(); body.hidden = false; foot.hidden = false; (editBtn || delBtn).focus(); }
        body.hidden = true;
        foot.hidden = true;
        body.after(form);
        f.input.focus();
      }
      function askDelete() {
        var yes = el("button", { type: "button", "class": "anyway", text: T.del, onclick: function () {
          api("DELETE", ownPath(c.id)).then(function (r) {
            if (!r.ok) { box.remove(); note.textContent = (r.json && r.json.detail) || T.failed; return; }
            forget(c.id);
            announce.textContent = T.deleted;
            var replies = li.querySelector(":scope > ol");
            if (replies && replies.children.length) li.replaceChild(tombstone({ deleted: true }), art);
            else li.remove();
          }, function () { note.textContent = T.failed; });
        } });
        var box = el("div", { "class": "confirm", role: "group", "aria-label": T.del }, [el("p", { text: T.confirmDelete }),
          el("div", { "class": "actions" }, [yes, el("button", { type: "button", text: T.keep, onclick: function () { box.remove(); delBtn.focus(); } })])]);
        foot.after(box);
        yes.focus();
      }
    }

    // appealControls shows the appeal made, or offers the one appeal.
    function appealControls(c, art, foot) {
      var note = el("p", { "class": "own-msg", role: "status" });
      if (c.appeal) { note.textContent = T.appealStatus[c.appeal.status] || ""; foot.append(note); return; }
      if (!c.can_appeal || !tokenOf(c.id)) return;
      var btn = el("button", { type: "button", "class": "link appeal", text: T.appeal, onclick: function () {
        var f = inlineField(uid + "appeal" + c.id, T.appealLabel, "textarea", { maxlength: "2000", required: "" });
        f.label = "";
        var status = el("p", { "class": "err-msg", role: "alert" });
        var form = el("form", { "class": "appeal", novalidate: true, onsubmit: function (ev) {
          ev.preventDefault();
          api("POST", ownPath(c.id, "/appeal"), { message: f.input.value }).then(function (r) {
            if (!r.ok) return fieldErrors(r, { message: f }, status);
            form.remove();
            btn.remove();
            note.textContent = T.appealStatus.waiting;
            foot.focus();
          }, function () { status.textContent = T.failed; });
        } }, [f.box, status, el("div", { "class": "actions" }, [
          el("button", { type: "submit", "class": "send", text: T.sendAppeal }),
          el("button", { type: "button", text: T.cancel2, onclick: function () { form.remove(); btn.focus(); } })])]);
        foot.after(form);
        f.input.focus();
      } });
      foot.append(btn, note);
      foot.setAttribute("tabindex", "-1");
    }

    // reportControl offers Report on a published comment: four reasons,
    // and for illegal content the notice the Digital Services Act asks for.
    function reportControl(c, li, art, foot) {
      var btn = el("button", { type: "button", "class": "link report", text: T.report, "aria-label": T.report + " – " + c.author.name, onclick: open });
      var thanks = el("p", { "class": "own-msg report-msg", role: "status" });
      foot.append(btn, thanks);
      function open() {
        if (art.querySelector("form.report")) return;
        var id = uid + "rep" + c.id + "-";
        var radios = el("fieldset", { "aria-describedby": id + "reason-err" }, [el("legend", { text: T.reportWhy })].concat(
          ["personal_attack", "spam", "off_topic", "illegal"].map(function (r) {
            return el("div", { "class": "choice" }, [el("input", { type: "radio", name: "reason", id: id + r, value: r, onchange: toggle }), el("label", { "for": id + r, text: T.reasons[r] })]);
          })));
        var reasonErr = el("p", { id: id + "reason-err", "class": "err", hidden: true });
        var saved = load(SAVE_KEY) || {};
        var f = {
          explanation: inlineField(id + "explanation", T.explanation, "textarea", { maxlength: "2000", "aria-required": "true" }),
          name: inlineField(id + "name", T.reporterName, "text", { autocomplete: "name", maxlength: "80", "aria-required": "true" }),
          email: inlineField(id + "email", T.reporterEmail, "email", { autocomplete: "email", "aria-required": "true" })
        };
        f.name.input.value = saved.name || "";
        f.email.input.value = saved.email || "";
        f.explanation.label = T.explanation + " ";
        f.name.label = T.reporterName + " ";
        f.email.label = T.reporterEmail + " ";
        var gf = el("input", { type: "checkbox", id: id + "gf", "aria-describedby": id + "gf-err" });
        f.good_faith = { input: gf, err: el("p", { id: id + "gf-err", "class": "err", hidden: true }), label: "" };
        f.reason = { input: radios, err: reasonErr, label: "" };
        var illegal = el("div", { "class": "illegal", hidden: true }, [
          el("p", { "class": "notice", text: T.dsa }), f.explanation.box, f.name.box, f.email.box,
          el("div", { "class": "save" }, [gf, el("label", { "for": id + "gf", text: T.goodFaith })]), f.good_faith.err]);
        var status = el("p", { "class": "err-msg", role: "alert" });
        var form = el("form", { "class": "report", novalidate: true, "aria-label": T.report + " – " + c.author.name, onsubmit: send }, [
          radios, reasonErr, illegal, status,
          el("div", { "class": "actions" }, [el("button", { type: "submit", "class": "send", text: T.sendReport }),
            el("button", { type: "button", text: T.cancel2, onclick: function () { form.remove(); btn.focus(); } })])]);
        function reason() { var r = form.querySelector("input[name=reason]:checked"); return r ? r.value : ""; }
        function toggle() { illegal.hidden = reason() !== "illegal"; }
        function send(ev) {
          ev.preventDefault();
          var r = reason();
          if (!r) { reasonErr.textContent = T.chooseReason; reasonErr.hidden = false; form.querySelector("input[name=reason]").focus(); return; }
          var req = { reason: r };
          if (r === "illegal") {
            req.explanation = f.explanation.input.value;
            req.name = f.name.input.value.trim();
            req.email = f.email.input.value.trim();
            req.good_faith = gf.checked;
          }
          api("POST", "/api/v1/comments/" + c.id + "/reports", req).then(function (res) {
            if (!res.ok) return fieldErrors(res, f, status);
            form.remove();
            btn.disabled = true;
            thanks.textContent = res.json.message || T.reportedThanks;
            thanks.setAttribute("tabindex", "-1");
            thanks.focus();
          }, function () { status.textContent = T.failed; });
        }
        foot.after(form);
        form.querySelector("input[name=reason]").focus();
      }
    }

    // ownSeen holds the reader's own comments as the server last described
    // them, so that comments loaded later (Load more) get their controls.
    var ownSeen = {};
    function markOwn(c, li) {
      var art = li.querySelector(":scope > article");
      if (!art || art.classList.contains("mine")) return;
      art.classList.add("mine");
      var foot = art.querySelector("footer");
      // One does not report oneself.
      foot.querySelectorAll("button.report, .report-msg").forEach(function (e) { e.remove(); });
      foot.prepend(el("p", { "class": "badge approved", text: T.published }));
      ownControls(c, li, art, foot);
    }

    function forget(id) { store(ownKey, (load(ownKey) || []).filter(function (m) { return m.id !== id; })); }

    // placeOwn shows the reader's own comment where it belongs in the thread.
    function placeOwn(c, html) {
      c.html = html;
      var parent = c.parent_id && root.getElementById(uid + "c" + c.parent_id);
      var li;
      if (parent) {
        var ol = parent.querySelector(":scope > ol");
        li = renderComment(c, 1 + depthOf(parent));
        if (ol) ol.append(li); else parent.after(li); // a parent MAX_DEPTH deep keeps its replies beside it
      } else {
        li = renderComment(c, 0);
        if (sort === "newest") own.prepend(li); else own.append(li);
      }
      return li;
    }
    function depthOf(li) { var n = 0; while ((li = li.parentElement.closest("li"))) n++; return n; }

    var closed = false, total = 0;
    function loadThread(more) {
      var q = "/api/v1/threads?site=" + encodeURIComponent(site) + "&url=" + encodeURIComponent(url) + (sort ? "&sort=" + sort : "") + (more && next ? "&after=" + encodeURIComponent(next) : "");
      moreBtn.disabled = true;
      return api("GET", q).then(function (r) {
        moreBtn.disabled = false;
        if (!r.ok) {
          if (r.status === 404 && !more) { setCount(0); return; }
          threadMsg.textContent = T.loadFailed;
          return;
        }
        var th = r.json;
        if (!more) { list.textContent = ""; closeReply(); }
        closed = th.article.closed;
        if (th.sort) { sort = th.sort; sortSel.value = sort; }
        promise.textContent = promiseFor(T, th.article.mode);
        if (!more) showPicks(th.picks || []);
        formSlot.hidden = closed;
        threadMsg.textContent = closed ? T.closed : "";
        setCount(th.article.comment_count);
        var frag = document.createDocumentFragment();
        th.comments.forEach(function (c) { frag.append(renderComment(c, 0)); });
        list.append(frag);
        for (var id in ownSeen) {
          var li = ownSeen[id].status === "approved" && root.getElementById(uid + "c" + id);
          if (li) markOwn(ownSeen[id], li);
        }
        next = th.next;
        moreBtn.hidden = !next;
        host.dispatchEvent(new CustomEvent("parley:thread", { detail: { comments: th.comments.length, more: more } }));
      }, function () { moreBtn.disabled = false; threadMsg.textContent = T.loadFailed; });
    }
    // showPicks puts the comments editors featured above the thread.
    // staffBadge marks a comment a moderator wrote: only the server's
    // "staff" flag sets it, never the name a reader typed.
    function staffBadge(c) {
      return c.staff === true ? el("span", { "class": "staff", text: T.staff }) : null;
    }
    var picksBox = null;
    function showPicks(picks) {
      if (picksBox) { picksBox.remove(); picksBox = null; }
      if (!picks.length) return;
      var items = picks.map(function (c) {
        var body = el("div", { "class": "body", dir: "auto" });
        body.innerHTML = c.html;
        return el("li", {}, [el("article", { "aria-label": c.author.name }, [
          el("header", {}, [el("span", { "class": "author", dir: "auto", text: c.author.name }), staffBadge(c), " ",
            el("time", { datetime: c.created_at, text: fmtTime(c.created_at) })]), body])]);
      });
      picksBox = el("section", { "class": "picks", "aria-labelledby": uid + "picks" }, [el("h3", { id: uid + "picks", text: T.picks }), el("ol", {}, items)]);
      own.parentNode.insertBefore(picksBox, own);
    }
    function setCount(n) { total = n; countH.textContent = T.count(n); }

    // The reader's own comments, kept by edit token until they are decided.
    function loadOwn() {
      var mine = load(ownKey) || [];
      own.textContent = "";
      return Promise.all(mine.map(function (m) {
        return api("GET", "/api/v1/comments/" + m.id + "?token=" + encodeURIComponent(m.token)).then(function (r) {
          if (r.status === 404) return forget(m.id);
          if (!r.ok) return;
          var c = r.json;
          c.id = m.id;
          if (c.status === "deleted") return forget(m.id);
          ownSeen[c.id] = c;
          var inThread = root.getElementById(uid + "c" + c.id);
          if (c.status === "approved") {
            // The token is kept: the author may delete any time, and edit
            // within the site's window.
            if (inThread) markOwn(c, inThread);
            else if (!m.shown) placeOwn(c, c.html);
            if (!m.shown) { m.shown = true; store(ownKey, (load(ownKey) || []).map(function (x) { return x.id === m.id ? m : x; })); }
            return;
          }
          if (c.status === "rejected" || c.status === "removed") c.message = c.message.replace(/^[^:]*:\s*/, "").replace(/\.$/, "");
          // A removed comment with replies is a tombstone in the thread: the
          // author sees their own text and the decision in its place.
          if (inThread) { c.html = c.html || ""; inThread.replaceChild(commentArticle(c, inThread), inThread.querySelector(":scope > article")); return; }
          placeOwn(c, c.html);
        }, function () { });
      })).then(function () {
        host.setAttribute("data-parley-ready", "");
        host.dispatchEvent(new CustomEvent("parley:ready"));
      });
    }

    // Sign-in for subscribers (SSO). The newsroom hands the widget a token
    // it signed: data-sso-token, or a function that returns one (or a
    // promise of one, or null when the reader is not signed in), named by
    // data-sso-callback or defined as window.parleySSO. With a token the
    // form asks for no name or email; the server checks the token, and on a
    // 401 the form falls back to the site's usual fields.
    var sso = { on: false, token: "", name: "" };
    var SSO_T = ({
      en: { signedIn: "Signed in as ", refused: "Your sign-in could not be confirmed, so please give your name and email." },
      fr: { signedIn: "Connecté en tant que ", refused: "Votre connexion n'a pas pu être confirmée : indiquez votre nom et votre adresse e-mail." }
    })[lang] || null;
    if (!SSO_T) SSO_T = { signedIn: "Signed in as ", refused: "Your sign-in could not be confirmed, so please give your name and email." };
    var ssoNote = el("p", { "class": "signed-in", hidden: true });
    fields.name.input.closest(".field").before(ssoNote);
    function ssoSource() {
      var fn = d.ssoCallback ? window[d.ssoCallback] : window.parleySSO;
      return typeof fn === "function" ? fn : null;
    }
    // ssoClaims reads a token's payload for display only; the server is
    // the one that verifies it.
    function ssoClaims(tok) {
      try {
        var p = tok.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
        var json = decodeURIComponent(Array.prototype.map.call(atob(p), function (ch) { return "%" + ("00" + ch.charCodeAt(0).toString(16)).slice(-2); }).join(""));
        return JSON.parse(json);
      } catch (e) { return null; }
    }
    function ssoSet(tok) {
      var cl = tok ? ssoClaims(tok) : null;
      var live = cl && cl.name && (!cl.exp || cl.exp * 1000 > Date.now());
      sso.on = !!live; sso.token = live ? tok : ""; sso.name = live ? String(cl.name) : "";
      ["name", "email"].forEach(function (k) {
        var wrap = fields[k].input.closest(".field");
        wrap.hidden = sso.on;
        fields[k].input.disabled = sso.on;
      });
      var notice = root.getElementById(emailNoticeID);
      if (notice) notice.hidden = sso.on;
      form.querySelector(".save").hidden = sso.on;
      ssoNote.hidden = !sso.on;
      ssoNote.textContent = "";
      if (sso.on) ssoNote.append(SSO_T.signedIn, el("strong", { text: sso.name }));
      host.toggleAttribute("data-parley-signed-in", sso.on);
    }
    // ssoFetch asks the newsroom for a token (a fresh one before each
    // comment: tokens are short-lived).
    function ssoFetch() {
      var fn = ssoSource();
      if (!fn) return Promise.resolve(d.ssoToken || "");
      return Promise.resolve().then(function () { return fn(); }).then(function (t) { return t || ""; }, function () { return ""; });
    }
    var ssoDeclined = false;
    function send() {
      if (ssoDeclined || (!sso.on && !ssoSource())) return sendNow();
      sendBtn.disabled = true;
      ssoFetch().then(function (t) {
        var was = sso.on;
        ssoSet(t);
        // Signed out since the page loaded: the reader fills in the fields.
        if (was && !sso.on) { sendBtn.disabled = false; status.textContent = SSO_T.refused; fields.name.input.focus(); return; }
        sendNow();
      });
    }
    // ssoRefused handles the server's 401 for a token: back to the fields.
    function ssoRefused(j) {
      var e = (j.errors || []).filter(function (x) { return x.field === "sso_token"; })[0];
      if (!e) return false;
      if (sso.on) {
        ssoDeclined = true;
        ssoSet("");
        status.textContent = SSO_T.refused + " (" + e.message + ")";
        fields.name.input.focus();
      } else {
        status.textContent = j.detail || e.message;
      }
      return true;
    }
    ssoFetch().then(ssoSet);

    loadThread(false).then(loadOwn);
  }

  function start() {
    var hosts = document.querySelectorAll("[data-parley]");
    for (var i = 0; i < hosts.length; i++) if (!hosts[i].shadowRoot) Widget(hosts[i]);
  }
  // promiseFor is the form's promise under an article's moderation mode:
  // in postmoderate mode a comment appears at once, so the form says so
  // instead of promising moderation first.
  function promiseFor(T, mode) {
    return mode === "postmoderate" ? T.noticePost : T.notice;
  }

  // The snippet's placeholder comes before the script, so it is usually in
  // the document already: start at once, and again for any that follow.
  start();
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
})();
