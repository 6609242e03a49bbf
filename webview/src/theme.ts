/**
 * Chart colours and fonts, read from the CSS variables VS Code sets on the page (so charts follow
 * the user's theme, including high contrast). Fallbacks are VS Code's Dark Modern values, used only
 * when the page runs outside VS Code without them.
 */
export interface ChartTheme {
  foreground: string;
  background: string;
  grid: string;
  font: string;
  /** Series colours, in order: MemoryFormer / train / main series first, dense / validation second. */
  series: [string, string, string, string];
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = style.getPropertyValue(name).trim();
  return v || fallback;
}

export function readChartTheme(root: Element = document.documentElement): ChartTheme {
  const style = getComputedStyle(root);
  const size = cssVar(style, '--vscode-font-size', '13px');
  const family = cssVar(style, '--vscode-font-family', 'system-ui, sans-serif');
  const foreground = cssVar(style, '--vscode-foreground', '#cccccc');
  return {
    foreground,
    background: cssVar(style, '--vscode-editor-background', '#1f1f1f'),
    grid: cssVar(style, '--vscode-charts-lines', cssVar(style, '--vscode-widget-border', '#80808059')),
    font: `${size} ${family}`,
    series: [
      cssVar(style, '--vscode-charts-blue', '#3794ff'),
      cssVar(style, '--vscode-charts-orange', '#d18616'),
      cssVar(style, '--vscode-charts-green', '#89d185'),
      cssVar(style, '--vscode-charts-purple', '#b180d7'),
    ],
  };
}

/** A string that changes whenever anything the charts draw with changes (to skip needless redraws). */
export const themeKey = (t: ChartTheme): string => JSON.stringify(t);
