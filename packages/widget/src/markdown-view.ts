/**
 * The markdown AST (markdown.ts) as Lit templates. Every piece of model text
 * is bound as a text expression (Lit escapes it; no innerHTML, no
 * unsafeHTML), tag names are fixed in the templates, and the only attribute
 * taken from the text is a link's href, which markdown.ts has already
 * limited to http:, https: and mailto:.
 */
import { html, nothing, type TemplateResult } from 'lit';
import { type Block, type Inline, parseMarkdown } from './markdown.ts';

export function renderMarkdown(text: string): TemplateResult {
  return html`${parseMarkdown(text).map(block)}`;
}

function block(b: Block): TemplateResult {
  switch (b.type) {
    case 'paragraph':
      return html`<p>${inlines(b.children)}</p>`;
    case 'heading':
      return heading(b.level, inlines(b.children));
    case 'code':
      return html`<pre><code data-lang=${b.lang || nothing}>${b.text}</code></pre>`;
    case 'list':
      return b.ordered
        ? html`<ol start=${b.start === 1 ? nothing : b.start}>${b.items.map(listItem)}</ol>`
        : html`<ul>${b.items.map(listItem)}</ul>`;
    case 'blockquote':
      return html`<blockquote>${b.children.map(block)}</blockquote>`;
    case 'rule':
      return html`<hr />`;
  }
}

/** A one-paragraph item renders without its <p> (a tight list). */
function listItem(blocks: Block[]): TemplateResult {
  const only = blocks.length === 1 && blocks[0]!.type === 'paragraph' ? blocks[0] : undefined;
  return html`<li>${only ? inlines(only.children) : blocks.map(block)}</li>`;
}

type Piece = TemplateResult | string;

function heading(level: number, content: Piece[]): TemplateResult {
  switch (level) {
    case 1:
      return html`<h1>${content}</h1>`;
    case 2:
      return html`<h2>${content}</h2>`;
    case 3:
      return html`<h3>${content}</h3>`;
    case 4:
      return html`<h4>${content}</h4>`;
    case 5:
      return html`<h5>${content}</h5>`;
    default:
      return html`<h6>${content}</h6>`;
  }
}

function inlines(nodes: Inline[]): Piece[] {
  return nodes.map(inline);
}

/** Text is a plain string in a child position: Lit writes it as a Text node. */
function inline(n: Inline): Piece {
  switch (n.type) {
    case 'text':
      return n.text;
    case 'code':
      return html`<code>${n.text}</code>`;
    case 'em':
      return html`<em>${inlines(n.children)}</em>`;
    case 'strong':
      return html`<strong>${inlines(n.children)}</strong>`;
    case 'link':
      return html`<a href=${n.href} rel="noopener noreferrer" target="_blank">${inlines(n.children)}</a>`;
    case 'break':
      return html`<br />`;
  }
}
