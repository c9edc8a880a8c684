/**
 * The archive path a job gets when its creator names none: `/products/v2/<pipeline>/<uuid
 * without dashes>`, after SD2E's layout (`/products/v2/<pipeline>/<hash of the job>`), stable
 * because the uuid is derived from the pipeline and the data.
 */
export function defaultArchivePath(pipeline: string, uuid: string): string {
  return `/products/v2/${pipeline}/${uuid.replaceAll('-', '')}`;
}
