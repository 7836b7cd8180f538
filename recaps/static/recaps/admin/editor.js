/*
 * The edition editor, shorter and easier to read (recaps, issue 16).
 *
 * - Sub-item groups start collapsed (ItemBlock's form layout); a group that
 *   already holds sub-items is opened once, when it first appears.
 * - Theme chips show multi-word themes without the quotes Wagtail's tag field
 *   keeps around them (the hidden value, which tag-it reads back when a chip
 *   is removed, keeps them).
 * - The theme input that tag-it creates gets the field's label.
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

  function enhance(root) {
    openUsedSubItemGroups(root);
    unquoteThemeChips(root);
    labelThemeInputs(root);
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
