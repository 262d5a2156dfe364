// The studio's scenario editor: CodeMirror 6 with YAML, as an anywidget module.
//
// Bundled once by scripts/build_editor.sh into simulator/ui/static/editor/editor.js (committed, so a
// plain install needs no npm) and loaded by simulator/ui/studio/editor.py (CodeEditor). Nothing is
// fetched at run time. The model's traits:
//   value     the text; sent to the kernel when the editor loses focus or after a pause in typing
//   problems  [{line, column, message, severity}]: underlined in the text, marked in the gutter
//   jump      {line, column, seq}: move the cursor there, scroll it into view and focus the editor
//   labels    the editor's words in the studio's language: {"position": "line {line}, column {column}",
//             "editor": what a screen reader calls the text box}
//   settle_ms how long typing pauses before the text is sent
// A click on a button `.rp-jump` with `data-line` and `data-column` in the editor's own studio box (the
// problems the studio lists under the editor) moves the cursor there at once, without the kernel.
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import {
  bracketMatching,
  foldGutter,
  foldKeymap,
  HighlightStyle,
  indentOnInput,
  indentUnit,
  syntaxHighlighting,
} from "@codemirror/language";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { EditorSelection, EditorState } from "@codemirror/state";
import {
  drawSelection,
  EditorView,
  highlightActiveLine,
  highlightActiveLineGutter,
  highlightSpecialChars,
  keymap,
  lineNumbers,
  showPanel,
} from "@codemirror/view";
import { tags as t } from "@lezer/highlight";

// Colours from JupyterLab's theme variables, so the light and the dark page both read well.
const highlight = HighlightStyle.define([
  { tag: [t.propertyName, t.definition(t.propertyName)], color: "var(--jp-mirror-editor-property-color, #00f)" },
  { tag: t.keyword, color: "var(--jp-mirror-editor-keyword-color, #008000)", fontWeight: "bold" },
  { tag: [t.string, t.special(t.string), t.content], color: "var(--jp-mirror-editor-string-color, #ba2121)" },
  { tag: [t.number, t.bool, t.null, t.atom], color: "var(--jp-mirror-editor-number-color, #080)" },
  { tag: [t.comment, t.lineComment, t.blockComment, t.meta], color: "var(--jp-mirror-editor-comment-color, #408080)", fontStyle: "italic" },
  { tag: [t.punctuation, t.separator, t.squareBracket, t.brace], color: "var(--jp-mirror-editor-punctuation-color, #05a)" },
  { tag: [t.labelName, t.typeName, t.tagName], color: "var(--jp-mirror-editor-tag-color, #170)" },
  { tag: t.invalid, color: "var(--jp-mirror-editor-error-color, #f00)" },
]);

const theme = EditorView.theme({
  "&": {
    height: "100%",
    fontSize: "13px",
    color: "var(--jp-content-font-color1, #111)",
    backgroundColor: "var(--jp-layout-color0, #fff)",
    border: "1px solid var(--jp-border-color1, #bbb)",
    borderRadius: "4px",
  },
  "&.cm-focused": { outline: "2px solid var(--jp-brand-color1, #1976d2)", outlineOffset: "-1px" },
  ".cm-scroller": { fontFamily: "var(--jp-code-font-family, monospace)", lineHeight: "1.45" },
  ".cm-gutters": {
    backgroundColor: "var(--jp-layout-color2, #f3f3f3)",
    color: "var(--jp-ui-font-color2, #666)",
    borderRight: "1px solid var(--jp-border-color2, #ddd)",
  },
  ".cm-activeLine": { backgroundColor: "var(--jp-layout-color2, rgba(0, 0, 0, 0.04))" },
  ".cm-activeLineGutter": { backgroundColor: "var(--jp-layout-color3, #e3e3e3)", color: "var(--jp-ui-font-color0, #000)" },
  ".cm-cursor": { borderLeftColor: "var(--jp-editor-cursor-color, var(--jp-ui-font-color0, #000))", borderLeftWidth: "2px" },
  "&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection": {
    backgroundColor: "var(--jp-editor-selected-focused-background, #9ecaff) !important",
  },
  ".cm-panels": {
    backgroundColor: "var(--jp-layout-color2, #f3f3f3)",
    color: "var(--jp-ui-font-color1, #222)",
  },
  ".cm-panels-bottom": { borderTop: "1px solid var(--jp-border-color2, #ddd)" },
  ".rp-editor-status": { padding: "2px 10px", fontSize: "12px", fontFamily: "var(--jp-ui-font-family, sans-serif)" },
  ".cm-lintRange-error": { backgroundColor: "rgba(179, 38, 30, 0.15)" },
  ".cm-tooltip": {
    backgroundColor: "var(--jp-layout-color1, #fff)",
    color: "var(--jp-ui-font-color1, #222)",
    border: "1px solid var(--jp-border-color1, #bbb)",
  },
});

function format(template, values) {
  return String(template).replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

// "line L, column C" of the cursor, under the text: a problem's place can be found by eye too.
function statusPanel(model) {
  return showPanel.of((view) => {
    const dom = document.createElement("div");
    dom.className = "rp-editor-status";
    const show = (state) => {
      const head = state.selection.main.head;
      const line = state.doc.lineAt(head);
      const labels = model.get("labels") || {};
      dom.textContent = format(labels.position || "line {line}, column {column}", {
        line: line.number,
        column: head - line.from + 1,
      });
    };
    show(view.state);
    return {
      dom,
      update(update) {
        if (update.selectionSet || update.docChanged) show(update.state);
      },
      top: false,
    };
  });
}

// A (line, column) as a position in the text, clamped to the text.
function position(doc, line, column) {
  const number = Math.min(Math.max(1, Number(line) || 1), doc.lines);
  const at = doc.line(number);
  return Math.min(at.from + Math.max(0, (Number(column) || 1) - 1), at.to);
}

function diagnostics(doc, problems) {
  return (problems || []).map((p) => {
    const from = position(doc, p.line, p.column);
    const line = doc.lineAt(from);
    const word = /^[^\s,:\]}]+/.exec(doc.sliceString(from, line.to));
    const to = word ? from + word[0].length : Math.max(from, line.to);
    return { from, to, severity: p.severity === "warning" ? "warning" : "error", message: String(p.message || "") };
  });
}

function render({ model, el }) {
  let timer = null;
  let lastJump = null;

  const send = () => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    const text = view.state.doc.toString();
    if (text !== model.get("value")) {
      model.set("value", text);
      model.save_changes();
    }
  };

  const view = new EditorView({
    parent: el,
    state: EditorState.create({
      doc: model.get("value") || "",
      extensions: [
        lineNumbers(),
        foldGutter(),
        lintGutter(),
        highlightSpecialChars(),
        history(),
        drawSelection(),
        indentOnInput(),
        bracketMatching(),
        highlightActiveLine(),
        highlightActiveLineGutter(),
        highlightSelectionMatches(),
        search({ top: true }),
        indentUnit.of("  "),
        EditorState.tabSize.of(2),
        yaml(),
        syntaxHighlighting(highlight),
        keymap.of([...defaultKeymap, ...historyKeymap, ...foldKeymap, ...searchKeymap, indentWithTab]),
        theme,
        statusPanel(model),
        EditorView.contentAttributes.of({
          "aria-label": (model.get("labels") || {}).editor || "YAML",
          spellcheck: "false",
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) {
            if (timer !== null) clearTimeout(timer);
            timer = setTimeout(send, Number(model.get("settle_ms")) || 1500);
          }
        }),
      ],
    }),
  });
  // Leaving the editor sends its text at once, in the blur itself: a button clicked to leave it
  // (Save, Check) sends its click after the text, so the kernel acts on what is on the page.
  view.contentDOM.addEventListener("blur", send);
  el.classList.add("rp-code-editor");
  el.rpEditor = view; // for the browser tests: the cursor's place

  const onValue = () => {
    const text = model.get("value") || "";
    if (text === view.state.doc.toString()) return;
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    const head = Math.min(view.state.selection.main.head, text.length);
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, selection: { anchor: head } });
    onProblems();
  };
  const onProblems = () => {
    view.dispatch(setDiagnostics(view.state, diagnostics(view.state.doc, model.get("problems"))));
  };
  const goTo = (line, column) => {
    const at = position(view.state.doc, line, column);
    el.scrollIntoView({ block: "nearest" });
    view.dispatch({
      selection: EditorSelection.cursor(at),
      effects: EditorView.scrollIntoView(at, { y: "center" }),
    });
    view.focus();
  };
  const onJump = () => {
    const jump = model.get("jump") || {};
    if (jump.seq === undefined || jump.seq === lastJump) return;
    lastJump = jump.seq;
    goTo(jump.line, jump.column);
  };
  const onClick = (event) => {
    const target = event.target instanceof Element ? event.target.closest(".rp-jump[data-line]") : null;
    if (target === null) return;
    const box = el.closest(".rp-studio");
    if (box === null || !box.contains(target)) return;
    event.preventDefault();
    goTo(target.dataset.line, target.dataset.column);
  };
  document.addEventListener("click", onClick);
  const onLabels = () => view.dispatch({}); // the status line reads the labels on its next update

  model.on("change:value", onValue);
  model.on("change:problems", onProblems);
  model.on("change:jump", onJump);
  model.on("change:labels", onLabels);
  onProblems();
  lastJump = (model.get("jump") || {}).seq; // a jump made before the page opened is not replayed

  return () => {
    send();
    view.contentDOM.removeEventListener("blur", send);
    document.removeEventListener("click", onClick);
    model.off("change:value", onValue);
    model.off("change:problems", onProblems);
    model.off("change:jump", onJump);
    model.off("change:labels", onLabels);
    view.destroy();
  };
}

export default { render };
