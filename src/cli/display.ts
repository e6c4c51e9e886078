/** `~/x` for paths in the home folder, `./x` under the current folder: shorter to read. */
export function displayPath(path: string): string {
  const cwd = process.cwd();
  if (path.startsWith(`${cwd}/`)) return path.slice(cwd.length + 1);
  const home = process.env.HOME;
  if (home && path.startsWith(`${home}/`)) return `~/${path.slice(home.length + 1)}`;
  return path;
}
