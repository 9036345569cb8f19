/**
 * Photos the OS opens with the installed app (the manifest's file_handlers): Chromium hands them
 * to `window.launchQueue`. `open` gets the files of each launch that has any.
 */
interface LaunchParams {
  files?: readonly { getFile(): Promise<File> }[];
}
interface LaunchQueue {
  setConsumer(consumer: (params: LaunchParams) => void): void;
}

export function onLaunchedFiles(open: (files: File[]) => void): void {
  const queue = (window as Window & { launchQueue?: LaunchQueue }).launchQueue;
  queue?.setConsumer((params) => {
    if (!params.files?.length) return;
    Promise.all(params.files.map((h) => h.getFile())).then(open, (e) => console.warn('Could not open the launched files:', e));
  });
}
