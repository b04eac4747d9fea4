// Draws the case's flow chart with bpmn-js and marks the steps done and waiting now.
(async function () {
  const container = document.getElementById('diagram')
  if (!container || !window.BpmnJS) return
  const viewer = new window.BpmnJS({ container })
  try {
    const response = await fetch(container.dataset.url, { credentials: 'same-origin' })
    await viewer.importXML(await response.text())
    viewer.get('canvas').zoom('fit-viewport')
    const registry = viewer.get('elementRegistry')
    const canvas = viewer.get('canvas')
    const mark = (ids, cls) => ids.split(/\s+/).filter((id) => id && registry.get(id)).forEach((id) => canvas.addMarker(id, cls))
    mark(container.dataset.done, 'cc-done')
    mark(container.dataset.current, 'cc-current')
  } catch (error) {
    container.textContent = 'The flow chart could not be drawn: ' + error.message
  }
})()
