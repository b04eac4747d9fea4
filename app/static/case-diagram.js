// Draws the case's flow chart with bpmn-js and marks the steps done, waiting now and overdue:
// each by a CSS marker (fill, outline, dash) and a small text badge, so colour is never the only sign.
(async function () {
  // bpmn-js makes its drawing focusable (Ctrl + arrows move it), so it is named, and described by the words above.
  function nameDrawing (container) {
    const svg = container.querySelector('svg')
    svg.setAttribute('aria-label', container.dataset.label)
    svg.setAttribute('aria-describedby', 'diagram-description')
  }

  const container = document.getElementById('diagram')
  if (!container || !window.BpmnJS) return
  const viewer = new window.BpmnJS({ container })
  const badges = { 'cc-done': '✓ Done', 'cc-current': 'Now', 'cc-overdue': '! Overdue' }
  try {
    const response = await fetch(container.dataset.url, { credentials: 'same-origin' })
    await viewer.importXML(await response.text())
    nameDrawing(container)
    const registry = viewer.get('elementRegistry')
    const canvas = viewer.get('canvas')
    const overlays = viewer.get('overlays')
    const badge = (id, cls) => {
      const span = document.createElement('span')
      span.className = 'cc-badge ' + cls + '-badge'
      span.textContent = badges[cls]
      overlays.add(id, { position: { top: -22, left: -4 }, html: span }) // above the shape, clear of its label
    }
    const mark = (ids, cls, labelled) => (ids || '').split(/\s+/).filter((id) => id && registry.get(id)).forEach((id) => {
      canvas.addMarker(id, cls)
      if (labelled) badge(id, cls)
    })
    const overdue = new Set((container.dataset.overdue || '').split(/\s+/))
    mark(container.dataset.done, 'cc-done', true)
    mark((container.dataset.current || '').split(/\s+/).filter((id) => !overdue.has(id)).join(' '), 'cc-current', true)
    mark(container.dataset.current, 'cc-current', false)
    mark(container.dataset.overdue, 'cc-overdue', true)
    const tall = Math.max(320, Math.round(window.innerHeight * 0.8))
    window.ccDiagramZoom(viewer, container, document.getElementById('diagram-zoom'), { grow: { low: 240, high: tall } })
    container.dataset.ready = 'true'
  } catch (error) {
    container.textContent = 'The flow chart could not be drawn: ' + error.message
  }
})()
