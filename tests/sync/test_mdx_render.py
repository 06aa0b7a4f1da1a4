"""Every MDX construct the Zerops docs use, and the markdown it becomes (docs/sync.md lists them)."""

from __future__ import annotations

import json

import pytest

from zcp.sync.doc_transform import MdxSettings, mdx_to_markdown
from zcp.sync.mdx_render import LinkMap

ROOTS = {"@site/": "apps/docs/", "/": "apps/docs/", "docs/": "apps/docs/"}
PAGE = "apps/docs/content/nodejs/how-to/page.mdx"
DATA = {"nodejs": {"default": "22", "base": [["nodejs@22", "nodejs@latest"], ["nodejs@20 (old)"]]}}


class Files:
    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.read: list[str] = []

    def read_text(self, repo_path: str) -> str | None:
        self.read.append(repo_path)
        return self.files.get(repo_path)


LINKS = LinkMap(
    "apps/docs/content",
    "https://docs.zerops.io",
    {
        "apps/docs/content/nodejs/overview.mdx": "zerops://guides/runtimes/nodejs/overview",
        "apps/docs/content/nodejs/how-to/build.mdx": "zerops://guides/runtimes/nodejs/how-to/build",
        "apps/docs/content/references/index.mdx": "zerops://guides/references/index",
    },
)


def render(body: str, files: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """The markdown body (after the H1) and the notices."""
    loader = Files({"apps/docs/static/data.json": json.dumps(DATA), **(files or {})})
    converted = mdx_to_markdown(
        f"---\ntitle: T\ndescription: D\n---\n\n{body}",
        path=PAGE,
        tags=(),
        loader=loader,
        links=LINKS,
        settings=MdxSettings(import_roots=ROOTS),
    )
    return "\n".join(converted.body_lines), [n.message for n in converted.notices]


CASES = [
    ("import line", "import X from '@theme/X';\n\nText\n", "Text"),
    ("export const", "export const n = 'v';\n\nSee {n}.\n", "See v."),
    ("MDX comment", "a\n\n{/* hidden\nnote */}\n\nb\n", "a\n\nb"),
    ("HTML comment", "a <!-- hidden --> b\n", "a  b"),
    ("admonition", ":::note\nBody.\n:::\n", "> **Note**\n>\n> Body."),
    (
        "admonition with title",
        ":::warning Careful now\nBody.\n:::\n",
        "> **Warning: Careful now**\n>\n> Body.",
    ),
    ("admonition with bracket title", ":::tip[**Why?**]\nBody.\n:::\n", "> **Tip: Why?**\n>\n> Body."),
    ("heading id", "## Ports {#ports}\n", "## Ports"),
    ("blank-space expression", "a{' '}b{\" \"}c\n", "a b c"),
    (
        "data expression",
        "import data from '@site/static/data.json';\n\nNode {data.nodejs.default}\n",
        "Node 22",
    ),
    ("escaped braces", "a \\{b\\} \\<c>\n", "a {b} <c>"),
    ("strong and em", "<strong>S</strong> <b>B</b> <em>E</em> <i>I</i>\n", "**S** **B** *E* *I*"),
    ("inline code tag", "<code>a@1</code>\n", "`a@1`"),
    (
        "anchor tag",
        '<a href="/nodejs/overview">Node</a>\n',
        "[Node](zerops://guides/runtimes/nodejs/overview)",
    ),
    ("line break", "one<br/>two\n", "one\ntwo"),
    ("HTML heading", "<h3>Small</h3>\n", "### Small"),
    ("HTML list", "<ul>\n  <li>a</li>\n  <li>b</li>\n</ul>\n", "- a\n- b"),
    ("ordered list", "<ol><li>a</li><li>b</li></ol>\n", "1. a\n2. b"),
    ("pre", "<pre>x = 1</pre>\n", "```\nx = 1\n```"),
    ("image tag", '<img src="/img/a.png" alt="A" />\n', "![A](https://docs.zerops.io/img/a.png)"),
    (
        "Image component with caption",
        '<figure>\n  <Image lightImage="/img/l.png" darkImage="/img/d.png" alt="L" caption="Cap." />\n</figure>\n',
        "![L](https://docs.zerops.io/img/l.png)\n\n*Cap.*",
    ),
    ("markdown image", "![A](/img/a.png)\n", "![A](https://docs.zerops.io/img/a.png)"),
    ("Video", '<Video src="https://x/v.mp4" title="Demo" />\n', "[Video: Demo](https://x/v.mp4)"),
    (
        "HTML table",
        "<table>\n<thead><tr><th>A</th><th>B</th></tr></thead>\n"
        "<tbody><tr><td><b>x</b></td><td>1 | 2<br/>3</td></tr></tbody>\n</table>\n",
        "| A | B |\n|---|---|\n| **x** | 1 \\| 2<br>3 |",
    ),
    (
        "list inside a table cell",
        "<table><tr><td><ul><li>a</li><li>b</li></ul></td></tr></table>\n",
        "| • a<br>• b |\n|---|",
    ),
    (
        "Tabs",
        '<Tabs>\n<TabItem value="a" label="First">\n\nOne.\n\n</TabItem>\n<TabItem value="b">\n\nTwo.\n\n</TabItem>\n</Tabs>\n',
        "**First**\n\nOne.\n\n**b**\n\nTwo.",
    ),
    (
        "Dropdown with indented content",
        '<Dropdown>\n  <DropdownItem title="More">\n\n    Indented text.\n\n    ```sh\n    ls\n    ```\n\n  </DropdownItem>\n</Dropdown>\n',
        "**More**\n\nIndented text.\n\n```sh\nls\n```",
    ),
    ("details", "<details>\n<summary>Why?</summary>\n\nBecause.\n\n</details>\n", "**Why?**\n\nBecause."),
    ("FAQ", '<FAQ>\n  <FAQItem question="Q?">\n    A.\n  </FAQItem>\n</FAQ>\n', "**Q?**\n\nA."),
    ("CustomCard", '<CustomCard title="Card" emoji="x">\n  Inside.\n</CustomCard>\n', "**Card**\n\nInside."),
    ("Note component", '<Note type="tip" title="Hint">\nBody.\n</Note>\n', "> **Tip: Hint**\n>\n> Body."),
    (
        "Badge",
        '### mode <Badge type="required" /> <Badge type="custom" text="Beta" />\n',
        "### mode *Required* *Beta*",
    ),
    (
        "UnorderedCodeList",
        "import data from '@site/static/data.json';\n\n<UnorderedCodeList data={data.nodejs.base} />\n",
        "- `nodejs@22`, `nodejs@latest`\n- `nodejs@20` (old)",
    ),
    ("UnorderedList", "<UnorderedList data={['a <code>b</code>', 'c']} />\n", "- a `b`\n- c"),
    (
        "DocCardList",
        "<DocCardList items={[{ type: 'link', href: '/nodejs/overview', label: 'Start',"
        " customProps: { icon: Icons['x'], description: 'Begin here.' } }]} />\n",
        "- [Start](zerops://guides/runtimes/nodejs/overview) — Begin here.",
    ),
    (
        "GroupCards with exported items",
        "export const items = [{ name: 'Node', link: '/nodejs/overview', icon: <Icons.n/> }]\n\n"
        '<GroupCards heading="Runtimes" items={items} />\n',
        "**Runtimes**\n\n- [Node](zerops://guides/runtimes/nodejs/overview)",
    ),
    (
        "ResourceTable",
        "<ResourceTable resources={{ cpu: { max: '5' } }} />\n",
        "| | Minimum | Maximum |\n|---|---|---|\n| CPU cores | 1 | 5 |\n| RAM | 0.125 GB | 48 GB |\n| Disk | 1 GB | 250 GB |",
    ),
    ("AsciiGraph", "<AsciiGraph>{`a\n  -> b`}</AsciiGraph>\n", "```text\na\n  -> b\n```"),
    (
        "Button with Link",
        '<Button variant="x"><Link href="/nodejs/overview">Read</Link></Button>\n',
        "[Read](zerops://guides/runtimes/nodejs/overview)",
    ),
    ("decoration is dropped", '<DeployButton link="x" />\n<Icons.nodejs />\n\nKept.\n', "Kept."),
    ("span and div unwrap", "<div>\n<span>a</span> b\n</div>\n", "a b"),
    (
        "code fence with title kept verbatim",
        '```yaml title="z.yaml"\na: {b}\n```\n',
        '```yaml title="z.yaml"\na: {b}\n```',
    ),
    ("zerops:// code span", "See `zerops://guides/x`.\n", "See zerops://guides/x."),
    (
        "zerops:// inside a longer span stays code",
        '`zerops_knowledge uri="zerops://a"`\n',
        '`zerops_knowledge uri="zerops://a"`',
    ),
    (
        "relative link",
        "[B](./build) and [O](../overview#top)\n",
        "[B](zerops://guides/runtimes/nodejs/how-to/build) and [O](zerops://guides/runtimes/nodejs/overview#top)",
    ),
    (
        "link to an unpulled page",
        "[P](/company/pricing) [S](https://docs.zerops.io/nodejs/overview)\n",
        "[P](https://docs.zerops.io/company/pricing) [S](zerops://guides/runtimes/nodejs/overview)",
    ),
    ("index page link", "[R](/references)\n", "[R](zerops://guides/references/index)"),
    (
        "reference-style link definition",
        "[x]: /nodejs/overview\n",
        "[x]: zerops://guides/runtimes/nodejs/overview",
    ),
    (
        "external and anchor links unchanged",
        "[e](https://example.com) [a](#here) [m](mailto:a@b.c)\n",
        "[e](https://example.com) [a](#here) [m](mailto:a@b.c)",
    ),
]


@pytest.mark.parametrize(("construct", "mdx", "markdown"), CASES, ids=[c[0] for c in CASES])
def test_each_construct_becomes_plain_markdown(construct: str, mdx: str, markdown: str) -> None:
    text, notices = render(mdx)
    assert text == markdown
    assert notices == []


PARTIAL = "apps/docs/src/components/content/part.mdx"


def test_partial_is_rendered_in_place_with_the_page_variables() -> None:
    page = (
        "import { SetVar } from '@site/src/components/content/var';\n"
        "import Part from '@site/src/components/content/part.mdx';\n\n"
        '<SetVar name="svc" value="Node.js" />\n<SetVar name="path" value="nodejs" />\n'
        '<SetVar name="code" value={`run: {{path}}`} />\n<SetVar name="lang" value="yaml" />\n\n<Part />\n'
    )
    partial = (
        "import { Var, VarLink, VarCodeBlock, IfVar } from './var';\n\n"
        '## About <Var name="svc" />\n\n'
        '<VarLink name="path" path="/{{VAR}}/overview">overview</VarLink>\n\n'
        '<VarCodeBlock codeVar="code" languageVar="lang" />\n\n'
        '<IfVar name="svc">\nShown.\n</IfVar>\n<IfVar name="none">\nHidden.\n</IfVar>\n'
    )
    text, notices = render(page, {PARTIAL: partial})
    assert text == (
        "## About Node.js\n\n[overview](zerops://guides/runtimes/nodejs/overview)\n\n"
        "```yaml\nrun: nodejs\n```\n\nShown."
    )
    assert notices == []


def test_a_partial_that_includes_itself_is_skipped_with_a_notice() -> None:
    partial = "import Part from './part.mdx';\n\nBefore.\n\n<Part />\n"
    text, notices = render(
        "import Part from '@site/src/components/content/part.mdx';\n\n<Part />\n", {PARTIAL: partial}
    )
    assert text == "Before."
    assert any("includes itself" in n for n in notices)


def test_a_missing_partial_or_data_file_is_a_notice_not_a_crash() -> None:
    text, notices = render(
        "import Gone from '@site/src/components/content/gone.mdx';\nimport d from '@site/static/gone.json';\n\n"
        "<Gone />\n\nValue: {d.x}\n"
    )
    assert text == "Value:"
    assert any("gone.mdx" in n for n in notices)
    assert any("gone.json" in n for n in notices)


def test_unknown_component_keeps_its_children_and_is_named_in_a_notice() -> None:
    text, notices = render('<Sparkle kind="x">\nStill here.\n</Sparkle>\n')
    assert text == "Still here."
    assert notices == ["unknown component <Sparkle>: kept its content, dropped the tag"]


def test_an_expression_that_cannot_be_evaluated_is_dropped_with_a_notice() -> None:
    text, notices = render("Total: {price * 2}\n")
    assert text == "Total:"
    assert notices == ["expression {price * 2} cannot be evaluated; dropped"]


def test_blank_lines_collapse_outside_code_but_not_inside_it() -> None:
    text, _ = render("a\n\n\n\nb\n\n```\nx\n\n\ny\n```\n")
    assert text == "a\n\nb\n\n```\nx\n\n\ny\n```"


def test_the_dependencies_of_a_page_are_reported() -> None:
    loader = Files({PARTIAL: "Hi.\n", "apps/docs/static/data.json": "{}"})
    converted = mdx_to_markdown(
        "---\ntitle: T\ndescription: D\n---\nimport P from '@site/src/components/content/part.mdx';\n"
        "import data from '@site/static/data.json';\n\n<P />\n",
        path=PAGE,
        tags=(),
        loader=loader,
        links=LINKS,
        settings=MdxSettings(import_roots=ROOTS),
    )
    assert converted.dependencies == {PARTIAL, "apps/docs/static/data.json"}
