/*
 * The edition editor, shorter and easier to read (recaps, issue 16).
 *
 * - Sub-item groups start collapsed (ItemBlock's form layout); a group that
 *   already holds sub-items is opened once, when it first appears.
 * - On the edit and create views of an edition, its sections start
 *   collapsed after the first one (issue 26), so the form fits in a few
 *   screens: each shows its kind and heading, a click opens it. A section
 *   holding an error stays open; sections added while editing open as usual.
 * - Theme chips show multi-word themes without the quotes Wagtail's tag field
 *   keeps around them (the hidden value, which tag-it reads back when a chip
 *   is removed, keeps them).
 * - The theme input that tag-it creates gets the field's label.
 * - Points, sub-points and their “Sous-points” groups are named by their
 *   place for screen readers (see namePanelsByPosition).
 * - Pasting several lines or a bulleted list into a point creates one point
 *   per line or bullet, nested bullets becoming sub-points (pasted into a
 *   sub-point: one sub-point each), instead of one point holding it all.
 * - What is typed while an autosave is on its way is autosaved too (see
 *   keepEditsMadeDuringAutosave).
 *
 * Loaded by the ``insert_editor_js`` hook (recaps/wagtail_hooks.py); no inline
 * script, as the Content-Security-Policy requires.
 */
(() => {
  'use strict';

  const SEEN = 'recapsSeen';

  function firstTime(element) {
    if (element.dataset[SEEN]) return false;
    element.dataset[SEEN] = '1';
    return true;
  }

  /* Open the sub-item group of an item that has sub-items. */
  function openUsedSubItemGroups(root) {
    root.querySelectorAll('.recap-subitems').forEach((group) => {
      if (!firstTime(group)) return;
      if (!group.querySelector('[data-streamfield-child]')) return;
      openPanel(group);
    });
  }

  function openPanel(group) {
    const panel = group.closest('[data-panel]');
    const toggle = panel && panel.querySelector('[data-panel-toggle]');
    if (toggle && toggle.getAttribute('aria-expanded') === 'false') {
      toggle.click();
    }
  }

  /* The edit view of a page and the create view (“Nouvelle édition”). */
  const EDITOR_VIEW = /\/pages\/(?:\d+\/edit|add\/\w+\/\w+\/\d+)\/$/;

  /* The blocks of a StreamField (not their nested points), in order. */
  function topLevelChildren(container) {
    return Array.from(
      container.querySelectorAll(':scope > [data-streamfield-child]'),
    );
  }

  function hasError(element) {
    return Boolean(
      element.querySelector('.error-message, .help-critical, [aria-invalid="true"]'),
    );
  }

  /* Collapse the sections of the edition's body after the first, once, when
   * the body's stream is first rendered. */
  function collapseLaterSections(root) {
    if (!EDITOR_VIEW.test(window.location.pathname)) return;
    root
      .querySelectorAll('[data-contentpath="body"] [data-streamfield-stream-container]')
      .forEach((container) => {
        if (container.parentElement.closest('[data-streamfield-stream-container]')) {
          return; // a nested list, not the body's sections
        }
        const sections = topLevelChildren(container);
        if (!sections.length || !firstTime(container)) return;
        sections.slice(1).forEach((section) => {
          if (hasError(section)) return;
          const toggle = section.querySelector('[data-panel-toggle]');
          if (toggle && toggle.getAttribute('aria-expanded') === 'true') {
            toggle.click();
          }
        });
      });
  }

  /* A chip's visible name without the surrounding quotes. */
  function unquoteThemeChips(root) {
    root.querySelectorAll('.tagit-choice .tagit-label').forEach((label) => {
      if (!firstTime(label)) return;
      const text = label.textContent;
      if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return;
      const shown = document.createElement('span');
      shown.className = 'recap-theme-name';
      shown.textContent = text.slice(1, -1);
      label.classList.add('recap-theme-quoted');
      label.setAttribute('aria-hidden', 'true');
      label.after(shown);
    });
  }

  /* tag-it's own input has no label: give it the field's. */
  function labelThemeInputs(root) {
    root.querySelectorAll('.tagit-new input').forEach((input) => {
      if (input.hasAttribute('aria-labelledby')) return;
      const list = input.closest('ul.tagit');
      const field = list && list.previousElementSibling;
      const label = field && field.id && document.querySelector(`label[for="${field.id}"]`);
      if (!label) return;
      if (!label.id) label.id = `${field.id}-label`;
      input.setAttribute('aria-labelledby', label.id);
    });
  }

  /* French phrases from the ``insert_editor_js`` hook (recaps/wagtail_hooks.py). */
  const SCRIPT = document.currentScript;
  const PHRASES = JSON.parse((SCRIPT && SCRIPT.dataset.recapsPhrases) || '{}');

  function phrase(name, values) {
    return (PHRASES[name] || '').replace(/%\((\w+)\)s/g, (match, key) => values[key]);
  }

  /* Append ``suffix`` to the accessible name of ``panel``, hidden from sight. */
  function nameByPosition(panel, suffix) {
    const heading = panel && document.getElementById(panel.getAttribute('aria-labelledby'));
    if (!heading || !suffix) return;
    let span = heading.querySelector(':scope > .recap-position');
    if (!span) {
      span = document.createElement('span');
      span.className = 'w-sr-only recap-position';
      heading.append(span);
    }
    const text = `(${suffix})`;
    if (span.textContent !== text) span.textContent = text;
  }

  /* Wagtail renders each block's panel as a <section> named by its heading,
   * that is a landmark: every sub-point group is named “Sous-points”, two
   * empty points are both “Point” (axe: landmark-unique). A hidden suffix
   * names each by its place: “Sous-points (point 3 de la section 2)”. Kept up
   * to date as points are added, moved or deleted. */
  function namePanelsByPosition(root) {
    if (root !== document) return;
    document
      .querySelectorAll('[data-contentpath="body"] [data-streamfield-stream-container]')
      .forEach((container) => {
        if (container.parentElement.closest('[data-streamfield-stream-container]')) {
          return;
        }
        topLevelChildren(container).forEach((sectionBlock, sectionIndex) => {
          const section = sectionIndex + 1;
          sectionBlock.querySelectorAll('.recap-item').forEach((itemBlock, itemIndex) => {
            const item = itemIndex + 1;
            const itemSuffix = phrase('item', { item, section });
            nameByPosition(itemBlock.closest('section[data-panel]'), itemSuffix);
            const group = itemBlock.querySelector('.recap-subitems');
            nameByPosition(group && group.closest('section[data-panel]'), itemSuffix);
            itemBlock.querySelectorAll('.recap-subitem').forEach((subitemBlock, index) => {
              nameByPosition(
                subitemBlock.closest('section[data-panel]'),
                phrase('subitem', { subitem: index + 1, item, section }),
              );
            });
          });
        });
      });
  }

  /* ---- Paste a list into a section's points ---------------------------- */

  const BULLET = /^(?:[-*+•◦▪‣·o]|\d+[.)])\s+/;

  /* Leading whitespace width (a tab counts as four spaces). */
  function indentOf(line) {
    const lead = line.match(/^\s*/)[0];
    return lead.replace(/\t/g, '    ').length;
  }

  /* Lines of plain text as [{text, children: [text]}]: indented lines are
     sub-points of the line above them. */
  function entriesFromText(text) {
    const lines = text.split(/\r?\n/).filter((line) => line.trim());
    if (!lines.length) return [];
    const base = Math.min(...lines.map(indentOf));
    const entries = [];
    lines.forEach((line) => {
      const clean = line.trim().replace(BULLET, '').trim();
      if (!clean) return;
      if (indentOf(line) > base && entries.length) {
        entries[entries.length - 1].children.push(clean);
      } else {
        entries.push({ text: clean, children: [] });
      }
    });
    return entries;
  }

  function ownText(item) {
    const copy = item.cloneNode(true);
    copy.querySelectorAll('ul, ol').forEach((list) => list.remove());
    return copy.textContent.replace(/\s+/g, ' ').trim();
  }

  /* The items of the outermost HTML lists as [{text, children: [text]}]; the
     items of nested lists, at any depth, are sub-points. */
  function entriesFromHtml(html) {
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const entries = [];
    doc.body.querySelectorAll('li').forEach((item) => {
      if (item.parentElement.closest('li')) return;
      const children = [...item.querySelectorAll('li')]
        .map(ownText)
        .filter(Boolean);
      const text = ownText(item);
      if (text || children.length) entries.push({ text, children });
    });
    return entries;
  }

  function pastedEntries(clipboard) {
    const html = clipboard.getData('text/html');
    if (html && /<li[\s>]/i.test(html)) return entriesFromHtml(html);
    return entriesFromText(clipboard.getData('text/plain') || '');
  }

  /* Draftail's state for one paragraph of plain text. */
  function richTextState(text) {
    const key = Math.random().toString(36).slice(2, 7);
    return JSON.stringify({
      blocks: [
        {
          key,
          text,
          type: 'unstyled',
          depth: 0,
          inlineStyleRanges: [],
          entityRanges: [],
          data: {},
        },
      ],
      entityMap: {},
    });
  }

  /* The block of the StreamField whose form prefix is ``prefix``. */
  function findBlock(block, prefix, depth = 0) {
    if (!block || depth > 12) return null;
    if (block.prefix === prefix) return block;
    const next = [];
    if (Array.isArray(block.children)) {
      block.children.forEach((child) => next.push(child, child && child.block));
    }
    if (block.childBlocks) next.push(...Object.values(block.childBlocks));
    for (const candidate of next) {
      if (candidate && prefix.startsWith(candidate.prefix || '\0')) {
        const found = findBlock(candidate, prefix, depth + 1);
        if (found) return found;
      }
    }
    return null;
  }

  function rootBlockFor(prefix) {
    for (const element of document.querySelectorAll('[id$="-root"]')) {
      const root = element.rootBlock;
      if (root && prefix.startsWith(element.id.slice(0, -'-root'.length))) {
        return root;
      }
    }
    return null;
  }

  /* Where a paste landed: the list of points (or sub-points) and the child. */
  function pasteTarget(event) {
    const editor = event.target.closest && event.target.closest('[data-draftail-editor-wrapper], .Draftail-Editor');
    const field = editor && editor.closest('[data-contentpath="text"]');
    const input = field && field.querySelector('input[type="hidden"][id$="-value-text"]');
    const match = input && input.id.match(/^(.*-(items|children))-(\d+)-value-text$/);
    if (!match) return null;
    const [, listPrefix, kind, counter] = match;
    const root = rootBlockFor(listPrefix);
    const list = root && findBlock(root, listPrefix);
    if (!list || !Array.isArray(list.children)) return null;
    const child = list.children.find(
      (candidate) => candidate.prefix === `${listPrefix}-${counter}`,
    );
    if (!child) return null;
    // The editable area only: Draftail's placeholder sits beside it.
    const editable = field.querySelector('[contenteditable="true"]');
    const empty = !(editable && editable.textContent.trim());
    return { list, child, empty, nested: kind === 'children' };
  }

  function onPaste(event) {
    const clipboard = event.clipboardData;
    if (!clipboard) return;
    let entries = pastedEntries(clipboard);
    const many =
      entries.length > 1 || entries.some((entry) => entry.children.length);
    if (!many) return;
    const target = pasteTarget(event);
    if (!target) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const { list, child, empty, nested } = target;
    if (nested) {
      // Sub-points do not nest further: one sub-point per line or bullet.
      entries = entries.flatMap((entry) => [
        { text: entry.text, children: [] },
        ...entry.children.map((text) => ({ text, children: [] })),
      ]);
    }
    let index = child.index + 1;
    entries.forEach((entry) => {
      const value = nested
        ? { text: richTextState(entry.text) }
        : {
            text: richTextState(entry.text),
            children: entry.children.map((text) => ({
              value: { text: richTextState(text) },
            })),
          };
      list.insert(value, index, { animate: false, focus: false });
      index += 1;
    });
    // An empty point that received the paste gives way to the pasted ones.
    if (empty) child.delete({ animate: false });
  }

  function enhance(root) {
    openUsedSubItemGroups(root);
    collapseLaterSections(root);
    unquoteThemeChips(root);
    labelThemeInputs(root);
    namePanelsByPosition(root);
  }

  /*
   * Wagtail 8.0's autosave marks the whole form as saved when a save succeeds
   * (``w-autosave:success->w-unsaved#clear`` takes the form as it is then), so
   * what was typed while the save was on its way (a create view's first save
   * also waits for the edit view's hydration) is never sent, unless the editor
   * types again: closing the page then loses it. Remember the form as each
   * autosave sent it and, once w-unsaved has cleared, if the form has changed
   * since, make w-unsaved compare against what was sent: its next check finds
   * the newer edits and autosaves them.
   */
  function unsavedController(form) {
    const app = window.wagtail && window.wagtail.app;
    if (!app || !(form instanceof HTMLFormElement)) return null;
    return app.getControllerForElementAndIdentifier(form, 'w-unsaved');
  }

  function keepEditsMadeDuringAutosave() {
    const sent = new WeakMap();
    document.addEventListener('w-autosave:save', (event) => {
      const unsaved = unsavedController(event.target);
      if (unsaved) sent.set(event.target, unsaved.formData);
    });
    // On the document: after the form's own listeners (w-unsaved#clear).
    document.addEventListener('w-autosave:success', (event) => {
      const unsaved = unsavedController(event.target);
      const saved = sent.get(event.target);
      sent.delete(event.target);
      if (!unsaved || saved === undefined) return;
      if (unsaved.formData !== saved) {
        unsaved.initialFormData = saved;
        unsaved.previousFormData = saved;
      }
    });
  }

  let scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(() => {
      scheduled = false;
      enhance(document);
    });
  }

  function start() {
    // Capture phase: before Draftail's own paste handling.
    document.addEventListener('paste', onPaste, true);
    keepEditsMadeDuringAutosave();
    enhance(document);
    new MutationObserver(schedule).observe(document.body, {
      childList: true,
      subtree: true,
    });
  }

  window.recapsEditor = { openPanel };

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
