/** The query GraphiQL opens with: what a registry portal shows, in one request. */
export const DEFAULT_QUERY = `# regql: one query for what a registry portal shows.
# Every registry call below is made once, concurrently, and digest-addressed
# content is cached across requests.
query Portal {
  registry { url reachable apiVersion authScheme }
  repositories(first: 20) {
    nodes {
      name
      tags(first: 10, orderBy: VERSION_DESC) {
        totalCount
        nodes {
          name
          digest
          pullReference
          manifest {
            __typename
            mediaType
            ... on ImageManifest {
              totalSize
              platform { os architecture variant }
              config { created labels { key value } }
              layers { digest size createdBy }
            }
            ... on ImageIndex {
              manifests { digest platform { os architecture variant } }
            }
            referrers { artifactType digest }
          }
        }
      }
    }
  }
}
`;
