/*
 * Mirror of the form's conditional logic (show, require, compute) in the browser.
 *
 * Why: a resident who picks 代理人 should see the proxy fields at once, not after
 * a round trip. This is progressive enhancement only: without JavaScript the
 * server renders the same state, and on every submit the server re-evaluates
 * and re-validates everything (it is the authority; this file decides nothing).
 *
 * The rules arrive as JSON trees in <script type="application/json" id="form-logic">
 * (built by mado.eforms.logic_js from rules the server compiler accepted). They are
 * interpreted here with Kleene three-valued logic — no eval, no Function, so a strict
 * CSP (script-src 'self') is fine. Semantics follow mado.eforms.logic.evaluate:
 * compute → show iterated to a fixed point (at most 5 passes), values of hidden fields
 * stop counting, a hidden field is never required.
 *
 * Not mirrored: rows of repeating groups (group fields are no facts anyway); kana,
 * date, postal code, phone and e-mail fields count with the server's value until the
 * resident edits them, then as unknown (their normalisation lives on the server).
 * Each top-level field sits in a <fieldset data-field role="none">. A field the server
 * hides is sent inside an inert <template> (so the no-JS page is exactly as before);
 * once shown and hidden again here, its wrapper is hidden and disabled, so nothing of
 * it is submitted (the server drops values of hidden fields anyway).
 */
(function () {
  "use strict";

  var UNKNOWN = { unknown: true };
  var MAX_PASSES = 5;
  var MAX_INT = 1000000;
  var MAX_PRODUCT = 1e15;

  function isInt(v) { return typeof v === "number" && Number.isInteger(v); }

  function readFact(field, v) {
    if (v === null || v === undefined) return UNKNOWN;
    var choices = field.choices || [];
    switch (field.fact) {
      case "bool": return v === true || v === false ? v : UNKNOWN;
      case "int": return isInt(v) ? v : UNKNOWN;
      case "choice":
      case "str":
        return typeof v === "string" && (!choices.length || choices.indexOf(v) >= 0) ? v : UNKNOWN;
      case "int_list": return Array.isArray(v) && v.every(isInt) ? v : UNKNOWN;
      case "str_list":
        return Array.isArray(v) && v.every(function (x) {
          return typeof x === "string" && (!choices.length || choices.indexOf(x) >= 0);
        }) ? v : UNKNOWN;
      default: return UNKNOWN;
    }
  }

  function equal(a, b) {
    if (Array.isArray(a) && Array.isArray(b)) {
      return a.length === b.length && a.every(function (x, i) { return x === b[i]; });
    }
    return a === b;
  }

  var COMPARE = {
    "==": equal,
    "!=": function (a, b) { return !equal(a, b); },
    "<": function (a, b) { return a < b; },
    "<=": function (a, b) { return a <= b; },
    ">": function (a, b) { return a > b; },
    ">=": function (a, b) { return a >= b; },
    "in": function (a, b) { return b.indexOf(a) >= 0; },
    "not in": function (a, b) { return b.indexOf(a) < 0; }
  };

  function between(xs, lo, hi, count) {
    if (xs === UNKNOWN) return UNKNOWN;
    if (!xs.length) return count ? 0 : false;
    if (lo === UNKNOWN || hi === UNKNOWN) return UNKNOWN;
    var n = xs.filter(function (x) { return lo <= x && x <= hi; }).length;
    return count ? n : n > 0;
  }

  function ev(node, facts, fields) {
    var i, r, unknown, a, b;
    switch (node.op) {
      case "const": case "list": return node.value;
      case "name":
        return Object.prototype.hasOwnProperty.call(facts, node.id) && fields[node.id]
          ? readFact(fields[node.id], facts[node.id]) : UNKNOWN;
      case "and": case "or":
        unknown = false;
        for (i = 0; i < node.args.length; i++) {
          r = ev(node.args[i], facts, fields);
          if (r === (node.op === "or")) return r;
          if (r !== !(node.op === "or")) unknown = true;
        }
        return unknown ? UNKNOWN : node.op === "and";
      case "not":
        r = ev(node.arg, facts, fields);
        return r === UNKNOWN ? UNKNOWN : !r;
      case "neg":
        r = ev(node.arg, facts, fields);
        return r === UNKNOWN ? UNKNOWN : -r;
      case "add": case "sub": case "mul":
        a = ev(node.left, facts, fields);
        if (a === UNKNOWN) return UNKNOWN;
        b = ev(node.right, facts, fields);
        if (b === UNKNOWN) return UNKNOWN;
        if (node.op === "add") return a + b;
        if (node.op === "sub") return a - b;
        r = Math.abs(a) < MAX_PRODUCT && Math.abs(b) < MAX_PRODUCT ? a * b : MAX_PRODUCT;
        return Math.abs(r) < MAX_PRODUCT ? r : UNKNOWN;
      case "compare":
        unknown = false;
        a = ev(node.left, facts, fields);
        for (i = 0; i < node.ops.length; i++) {
          b = ev(node.right[i], facts, fields);
          if (a === UNKNOWN || b === UNKNOWN) unknown = true;
          else if (!COMPARE[node.ops[i]](a, b)) return false;
          a = b;
        }
        return unknown ? UNKNOWN : true;
      case "call":
        var args = node.args.map(function (x) { return ev(x, facts, fields); });
        var xs = args[0];
        if (node.fn === "any_between") return between(xs, args[1], args[2], false);
        if (node.fn === "count_between") return between(xs, args[1], args[2], true);
        if (xs === UNKNOWN) return UNKNOWN;
        if (node.fn === "len") return xs.length;
        if (!xs.length) return UNKNOWN;
        return node.fn === "min" ? Math.min.apply(null, xs) : Math.max.apply(null, xs);
      default: return UNKNOWN;
    }
  }

  function anyTrue(rules, facts, fields) {
    return (rules || []).some(function (t) { return ev(t, facts, fields) === true; });
  }

  /* mado.eforms.logic.evaluate, over the exported fields only. */
  function evaluate(logic, base) {
    var fields = logic.fields;
    var keys = Object.keys(fields).filter(function (k) { return fields[k].value_field; });
    var targets = logic.computes.map(function (c) { return c[0]; });
    var visible = new Set(keys);
    var computed = {};
    var facts = {};
    for (var pass = 0; pass < MAX_PASSES; pass++) {
      facts = {};
      Object.keys(base).forEach(function (k) {
        if (visible.has(k) && targets.indexOf(k) < 0) facts[k] = base[k];
      });
      Object.keys(computed).forEach(function (k) { if (visible.has(k)) facts[k] = computed[k]; });
      var next = {};
      logic.computes.forEach(function (c) {
        var r = ev(c[1], facts, fields);
        if (r === UNKNOWN) { delete facts[c[0]]; return; }
        next[c[0]] = r;
        if (visible.has(c[0])) facts[c[0]] = r;
      });
      var steps = logic.steps.filter(function (s) {
        return !logic.show[s] || anyTrue(logic.show[s], facts, fields);
      });
      var nextVisible = new Set(keys.filter(function (k) {
        return steps.indexOf(fields[k].step) >= 0 &&
          (!logic.show[k] || anyTrue(logic.show[k], facts, fields));
      }));
      var stable = nextVisible.size === visible.size &&
        keys.every(function (k) { return nextVisible.has(k) === visible.has(k); }) &&
        JSON.stringify(next) === JSON.stringify(computed);
      visible = nextVisible;
      computed = next;
      if (stable) break;
    }
    var final = {};
    Object.keys(facts).forEach(function (k) { if (visible.has(k)) final[k] = facts[k]; });
    var required = new Set(Array.from(visible).filter(function (k) {
      return fields[k].required || anyTrue(logic.require[k], final, fields);
    }));
    return { visible: visible, required: required, computed: computed, facts: final };
  }

  /* --- reading the step's inputs, parsed like mado.eforms.parsers ----------- */

  function clean(text) {
    return String(text).replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, "").trim();
  }

  function parseInt10(text, field) {
    text = clean(text);
    if (!text) return null;
    text = text.replace(/[\uff01-\uff5e]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xfee0);
    }).replace(/[\u2010-\u2015\u2212\u30fc\uff0d]/g, "-").replace(/[\s\u3000]/g, "");
    if (field.type === "money") {
      text = text.replace(/^[\u00a5\uffe5\\]/, "").replace(/円$/, "").replace(/,/g, "");
    }
    if (!/^-?\d{1,16}$/.test(text)) return null;
    var v = parseInt(text, 10);
    var low = field.min !== undefined ? field.min : (field.type === "money" ? 0 : undefined);
    if (Math.abs(v) > MAX_INT || (low !== undefined && v < low) ||
        (field.max !== undefined && v > field.max)) return null;
    return v;
  }

  function readInput(form, key, field) {
    var name = "f-" + key;
    var inputs = Array.prototype.filter.call(form.elements, function (el) { return el.name === name; });
    if (!inputs.length) return field.value;
    var first = inputs[0];
    switch (field.type) {
      case "choice":
        var picked = inputs.filter(function (el) {
          return (el.type === "radio" && el.checked) || el.type === "hidden";
        })[0];
        return picked ? (clean(picked.value) || null) : null;
      case "multichoice":
        var seen = {};
        inputs.forEach(function (el) {
          if ((el.type === "checkbox" && el.checked) || el.type === "hidden") seen[el.value] = true;
        });
        var chosen = (field.choices || []).filter(function (c) { return seen[c]; });
        return chosen.length ? chosen : null;
      case "checkbox":
        return inputs.some(function (el) { return el.type === "checkbox" && el.checked; });
      case "number": case "money":
        return parseInt10(first.value, field);
      case "text": case "address":
        var t = clean(first.value);
        if (first.tagName !== "TEXTAREA") t = t.replace(/[\r\n]+/g, " ");
        t = t.replace(/[ \t\u3000]+/g, " ");
        return t || null;
      default:
        /* Normalised on the server only: its value stands until the resident edits. */
        return first.value === first.defaultValue ? field.value : null;
    }
  }

  /* --- applying the result to the page -------------------------------------- */

  var TEXT_LIKE = ["text", "kana", "date", "postal_code", "address", "phone", "email", "number", "money"];

  function ariaTargets(wrapper, key, type) {
    var ids = [];
    if (type === "name") ids = ["f-" + key + "-family", "f-" + key + "-given"];
    else if (type === "checkbox" || TEXT_LIKE.indexOf(type) >= 0) ids = ["f-" + key];
    return ids.map(function (id) { return document.getElementById(id); })
      .filter(function (el) { return el && wrapper.contains(el); });
  }

  function setRequired(wrapper, key, field, required, mark) {
    ariaTargets(wrapper, key, field.type).forEach(function (el) {
      if (required) el.setAttribute("aria-required", "true");
      else el.removeAttribute("aria-required");
    });
    var label = wrapper.querySelector("legend, label");
    if (!label) return;
    var existing = null;
    Array.prototype.forEach.call(label.children, function (el) {
      if (el.classList.contains("req")) existing = el;
    });
    if (required && !existing) {
      var span = document.createElement("span");
      span.className = "req";
      span.textContent = mark;
      var before = null;
      Array.prototype.forEach.call(label.children, function (el) {
        if (!before && el.classList.contains("prefill-mark")) before = el;
      });
      label.insertBefore(span, before);
    } else if (!required && existing) {
      existing.parentNode.removeChild(existing);
    }
  }

  /* A field hidden by the server arrives inside a <template> (inert: not in the page,
     not submitted, no duplicate ids); it is put in place the first time it is shown. */
  function inflate(wrapper) {
    var tpl = wrapper.querySelector("template[data-field-template]");
    if (tpl) wrapper.replaceChild(document.importNode(tpl.content, true), tpl);
  }

  function update(form, logic) {
    var base = {};
    Object.keys(logic.fields).forEach(function (k) {
      var f = logic.fields[k];
      if (!f.value_field || !f.fact) return;
      var v = f.here ? readInput(form, k, f) : f.value;
      if (v !== null && v !== undefined) base[k] = v;
    });
    var state = evaluate(logic, base);
    Array.prototype.forEach.call(form.querySelectorAll("[data-field]"), function (wrapper) {
      var key = wrapper.getAttribute("data-field");
      var field = logic.fields[key];
      if (!field) return;
      var shown = field.value_field ? state.visible.has(key)
        : !logic.show[key] || anyTrue(logic.show[key], state.facts, logic.fields);
      if (wrapper.hidden === shown) {
        if (shown) inflate(wrapper);
        wrapper.hidden = !shown;
        if ("disabled" in wrapper) wrapper.disabled = !shown;
      }
      if (field.value_field) setRequired(wrapper, key, field, state.required.has(key), logic.required_mark);
      var out = wrapper.querySelector("output[data-compute]");
      if (out) {
        var v = Object.prototype.hasOwnProperty.call(state.computed, key) ? state.computed[key] : null;
        var text = v === null ? "\u2014" : String(v) + (out.getAttribute("data-unit") || "");
        if (out.textContent !== text) out.textContent = text;
      }
    });
  }

  function start() {
    var block = document.getElementById("form-logic");
    var form = document.querySelector("form.apply-form");
    if (!block || !form) return;
    var logic;
    try { logic = JSON.parse(block.textContent); } catch (e) { return; }
    var run = function () { update(form, logic); };
    form.addEventListener("input", run);
    form.addEventListener("change", run);
    run();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
